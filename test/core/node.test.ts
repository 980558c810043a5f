// The package's source runs on plain Node with its built-in type stripping (no
// parameter properties, enums or other syntax that needs a compiler), resolved
// through the package's "baton-source" export condition.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("on Node without a build step", () => {
  it("runs a workflow with baton/testing and calls the API with baton/client", () => {
    const out = execFileSync(process.execPath, ["--conditions=baton-source", "test/node/smoke.ts"], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
      status: "completed",
      output: [2, 4],
      updatedAt: "1970-01-08T00:00:00.000Z",
      workflows: [{ name: "x", kind: "workflow", version: "v" }],
    });
  });
});
