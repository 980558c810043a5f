// Options are strict and port-friendly: an unknown key anywhere is refused, naming it,
// and every duration takes seconds or a Cloudflare-style string.
import { describe, expect, it } from "vitest";
import { parallel, sleep, task, taskFlow, waitForApproval, workflow } from "baton-workflows";
import { toSeconds } from "../../sdk/duration.ts";
import { resolveTaskOptions } from "../../sdk/options.ts";
import { drive, MemoryHost, atRest } from "./memory-host.ts";

/** What a workflow calling `call` first ends with (the call's InvalidArgumentError, if it throws one). */
async function endOf(call: () => Promise<unknown>) {
  const run = drive(workflow(async () => call()), undefined, [], new MemoryHost(), { resolver: { script: () => undefined, isWorkflow: () => true } });
  await atRest();
  return { end: run.ended(), begun: run.host.begun };
}

describe("durations", () => {
  it("take seconds or Cloudflare-style strings", () => {
    expect(toSeconds(90, "x")).toBe(90);
    expect(toSeconds("5 seconds", "x")).toBe(5);
    expect(toSeconds("1 second", "x")).toBe(1);
    expect(toSeconds("2 minutes", "x")).toBe(120);
    expect(toSeconds("1 hour", "x")).toBe(3600);
    expect(toSeconds("1 day", "x")).toBe(86_400);
    expect(toSeconds("1.5 hours", "x")).toBe(5400);
    expect(toSeconds("250 milliseconds", "x")).toBe(0.25);
    expect(toSeconds("3 Weeks", "x")).toBe(1_814_400);
  });

  it("refuse what they cannot read, saying what is taken", () => {
    for (const bad of ["soon", "5", "five minutes", "-1 hour", "1 fortnight", Number.NaN, -1, null, {}]) {
      expect(() => toSeconds(bad, "task() timeout")).toThrow(/task\(\) timeout must be a number of seconds ≥ 0 or a duration such as "30 seconds"/);
    }
    expect(() => toSeconds(0, "timeout", 0, true)).toThrow(/> 0/);
  });

  it("are accepted by every primitive that waits or times out", async () => {
    const options = resolveTaskOptions({ timeout: "2 minutes", cacheTtl: "1 day", retries: { delay: "10 seconds", maxDelay: "1 hour" }, concurrency: { key: "k", limit: 1, window: "1 minute" } }, "task");
    expect(options).toMatchObject({ timeout: 120, cacheTtl: 86_400, retries: { delay: 10, maxDelay: 3600 }, concurrency: { window: 60 } });
    expect((await endOf(() => sleep("1 hour"))).begun).toMatchObject([{ key: "sleep#0", seconds: 3600 }]);
    expect((await endOf(() => sleep("nap", "30 minutes"))).begun).toMatchObject([{ key: "nap#0", seconds: 1800 }]);
    expect((await endOf(() => waitForApproval({ timeout: "3 days" }))).begun).toMatchObject([{ approval: { timeout: 259_200 } }]);
    expect((await endOf(() => taskFlow("child", {}, { timeout: "2 hours" }))).begun).toMatchObject([{ flow: { timeout: 7200 } }]);
  });
});

describe("unknown option keys", () => {
  it("are refused inside retries, naming the key (no silent defaults)", () => {
    expect(() => resolveTaskOptions({ retries: { maxAttempts: 1 } as never }, "task")).toThrow('task() retries has no option "maxAttempts"; it takes limit, delay, backoff and maxDelay');
    expect(() => resolveTaskOptions({ concurrency: { key: "k", limit: 1, burst: 2 } as never }, "task")).toThrow('task() concurrency has no option "burst"');
    expect(() => resolveTaskOptions({ retry: {} } as never, "step")).toThrow('step() has no option "retry"');
  });

  it("are refused by waitForApproval, parallel and taskFlow", async () => {
    const approval = await endOf(() => waitForApproval({ recipients: ["a@example.com"] } as never));
    expect(approval.end).toMatchObject({ status: "failed", error: { name: "InvalidArgumentError", message: 'waitForApproval() has no option "recipients"; it takes to, subject, message, timeout and data' } });
    const fan = await endOf(() => parallel([1], async (n) => n, { limit: 2 } as never));
    expect(fan.end).toMatchObject({ status: "failed", error: { message: 'parallel() has no option "limit"; it takes concurrency and priority' } });
    const flow = await endOf(() => taskFlow("child", {}, { retries: 1 } as never));
    expect(flow.end).toMatchObject({ status: "failed", error: { message: 'taskFlow() has no option "retries"; it takes timeout and start' } });
    const badTask = await endOf(() => task("t", () => 1, { retries: { maxAttempts: 1 } } as never));
    expect(badTask.end).toMatchObject({ status: "failed", error: { name: "InvalidArgumentError" } });
    expect(badTask.begun).toEqual([]);
  });
});

describe("the queue option", () => {
  it("sends a task to workers you run on that queue, checked where the author writes it", () => {
    expect(resolveTaskOptions({ queue: "gpu" }, "task").queue).toBe("gpu");
    expect(() => resolveTaskOptions({ queue: "GPU box" }, "task")).toThrow('task() queue must be 1 to 63 lowercase letters, digits or dashes, got "GPU box"');
    expect(() => resolveTaskOptions({ queue: "gpu", tag: "heavy" }, "task")).toThrow("task() takes a tag (a Worker's queue) or a queue (workers you run), not both");
  });
});
