// Worker tags route tasks to their own queue; an unconfigured tag fails clearly.
import { describe, expect, it } from "vitest";
import { hits, startRun, waitForRun } from "./helpers.ts";

describe("worker tags", () => {
  it("send a tagged task to its tag's queue and an untagged one to the default queue", async () => {
    const id = await startRun("tagged", {});
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ light: "light done", heavy: "heavy done" });
    expect(await hits(`queue:baton-tasks-heavy:${id}`)).toBe(1);
    expect(await hits(`queue:baton-tasks:${id}`)).toBe(1);
  });

  it("fail a task whose tag has no queue at dispatch, naming the tag and the binding to add", async () => {
    const run = await waitForRun(await startRun("tagged", {}));
    const unknown = (run.output as { unknown: string }).unknown;
    expect(unknown).toContain('WorkerTagError: no queue is configured for worker tag "gpu"');
    expect(unknown).toContain("TASKS_GPU");
    expect(run.steps.find((s) => s.key === "render#0")).toMatchObject({ status: "failed", attempts: 1 });
  });
});
