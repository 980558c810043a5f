// task() retries and timeouts, on the run object's alarm.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hits, runStub, startRun, waitForRun } from "./helpers.ts";

describe("task retries", () => {
  it("retry a failing task per its policy until it succeeds, each attempt counted on the step", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("retrying", { tag, failures: 2 }));
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ flaky: 3 });
    expect(run.steps[0]).toMatchObject({ key: "flaky#0", status: "completed", attempts: 3 });
    expect(await hits(`${tag}:flaky`)).toBe(3);
    const history = run.steps[0]?.history ?? [];
    expect(history.map((h) => [h.attempt, h.error?.message ?? null])).toEqual([
      [1, "attempt 1 failed"],
      [2, "attempt 2 failed"],
      [3, null],
    ]);
    // Each attempt was dispatched, then ran (the time between is queue wait), then ended.
    for (const h of history) {
      expect(Date.parse(h.ranAt ?? "")).toBeGreaterThanOrEqual(Date.parse(h.startedAt ?? ""));
      expect(Date.parse(h.endedAt)).toBeGreaterThanOrEqual(Date.parse(h.ranAt ?? ""));
    }
    // Each retry starts after the previous attempt ended (the 50 ms delay on the alarm).
    expect(Date.parse(history[1]?.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(history[0]?.endedAt ?? ""));
  });

  it("give up after the limit with the last error", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("retrying", { tag, failures: 9 }));
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "TypeError", message: "attempt 4 failed", stack: expect.stringContaining("attempt 4 failed") });
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

describe("step retries", () => {
  it("retry an inline step in the warm run object until it succeeds", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("flaky-step", { tag, failures: 2 }));
    expect(run.output).toEqual({ value: 3, timedOut: null });
    expect(run.steps[0]).toMatchObject({ key: "flaky#0", kind: "step", status: "completed", attempts: 3 });
    expect(await hits(`${tag}:step`)).toBe(3);
  });

  it("retry an inline step after the run object was evicted while it waited to retry", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("flaky-step", { tag, failures: 1, delay: 1 });
    const parked = await waitForRun(id, (r) => r.steps[0]?.status === "retrying");
    expect(parked.steps[0]).toMatchObject({ attempts: 1, error: { name: "TypeError", message: "step attempt 1 failed" } });
    await evictDurableObject(runStub(id));
    const run = await waitForRun(id);
    expect(run.output).toEqual({ value: 2, timedOut: null });
    expect(await hits(`${tag}:step`)).toBe(2);
  });

  it("fail an inline step past its timeout with TaskTimeoutError, aborting its signal", async () => {
    const run = await waitForRun(await startRun("flaky-step", { tag: crypto.randomUUID(), failures: 0, slow: true }));
    expect(run.output).toEqual({ value: 1, timedOut: "TaskTimeoutError" });
  });
});
