// task() retries and timeouts, on the run object's alarm.
import { describe, expect, it } from "vitest";
import { hits, startRun, waitForRun } from "./helpers.ts";

describe("task retries", () => {
  it("retry a failing task per its policy until it succeeds, each attempt counted on the step", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("retrying", { tag, failures: 2 }));
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ flaky: 3 });
    expect(run.steps[0]).toMatchObject({ key: "flaky#0", status: "completed", attempts: 3 });
    expect(await hits(`${tag}:flaky`)).toBe(3);
  });

  it("give up after the limit with the last error", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("retrying", { tag, failures: 9 }));
    expect(run.status).toBe("failed");
    expect(run.error).toEqual({ name: "TypeError", message: "attempt 4 failed" });
    expect(run.steps[0]).toMatchObject({ status: "failed", attempts: 4 });
    expect(await hits(`${tag}:flaky`)).toBe(4);
  });

  it("stop at once on FatalError", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("retrying", { tag, failures: 0, fatal: true }));
    expect(run.error).toMatchObject({ name: "FatalError", message: "the account is closed" });
    expect(run.steps[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect(await hits(`${tag}:flaky`)).toBe(1);
  });

  it("fail an attempt that runs past its timeout with TaskTimeoutError and abort its signal", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("retrying", { tag, failures: 0, slow: true }));
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ flaky: 1, slow: "TaskTimeoutError", aborted: 1 });
    expect(run.steps.find((s) => s.key === "slow#0")).toMatchObject({ status: "failed", attempts: 1, error: { name: "TaskTimeoutError" } });
  });
});
