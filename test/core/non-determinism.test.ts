// Replay that asks for something other than what the log recorded fails the run,
// loudly and in a way user code cannot swallow.
import { describe, expect, it } from "vitest";
import { step, task, workflow } from "baton-workflows";
import { done, drive, atRest } from "./memory-host.ts";

const log = [done("a#0", "task", "a", 0, 1)];

describe("non-determinism", () => {
  it("fails the run when the code asks for another kind at a recorded key, naming both", async () => {
    const { host, ended } = drive(workflow(async () => step("a", () => 1)), undefined, log);
    await atRest();
    expect(ended()).toMatchObject({ status: "failed", error: { name: "NonDeterminismError" } });
    const message = ended()?.status === "failed" ? ended()?.status && (ended() as { error: { message: string } }).error.message : "";
    expect(message).toContain('step key "a#0"');
    expect(message).toContain('recorded task "a"');
    expect(message).toContain('asked for step "a"');
    expect(host.begun).toEqual([]);
  });

  it("fails the run when the code asks for another name at a recorded position", async () => {
    const { ended } = drive(workflow(async () => task("b", () => 1)), undefined, log);
    await atRest();
    const end = ended();
    expect(end?.status).toBe("failed");
    if (end?.status !== "failed") return;
    expect(end.error.name).toBe("NonDeterminismError");
    expect(end.error.message).toContain('recorded task "a" as call 1 of the workflow body');
    expect(end.error.message).toContain('asked for task "b" (key "b#0")');
  });

  it("cannot be swallowed by the workflow's own try/catch", async () => {
    const flow = workflow(async () => {
      try {
        await task("b", () => 1);
      } catch {
        // a workflow that ignores errors must still not diverge silently
      }
      return task("c", () => 2);
    });
    const { host, ended } = drive(flow, undefined, log);
    await atRest();
    expect(ended()).toMatchObject({ status: "failed", error: { name: "NonDeterminismError" } });
    expect(host.begun).toEqual([]);
  });

  it("names the branch of a diverging parallel item", async () => {
    const { parallel } = await import("baton-workflows");
    const flow = workflow(async () => parallel([1], async () => step("y", () => 1)));
    const { ended } = drive(flow, undefined, [done("parallel#0[0]/x#0", "step", "x", 0, 1, "parallel#0[0]/")]);
    await atRest();
    const end = ended();
    expect(end?.status === "failed" && end.error.message).toContain('branch "parallel#0[0]/"');
  });
});
