import { describe, expect, it } from "vitest";
import { hits, startRun, waitForRun } from "./helpers.ts";

describe("a run", () => {
  it("completes with each task, the step and the sleep run exactly once", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("counted", { tag });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ total: 10 });
    expect(run.steps.map((s) => [s.key, s.kind, s.status])).toEqual([
      ["a#0", "task", "completed"],
      ["b#0", "task", "completed"],
      ["s#0", "step", "completed"],
      ["sleep#0", "sleep", "completed"],
      ["c#0", "task", "completed"],
    ]);
    for (const name of ["a", "b", "s", "c"]) expect(await hits(`${tag}:${name}`)).toBe(1);
  });
});
