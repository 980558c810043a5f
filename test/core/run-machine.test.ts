// The run state machine on its own, over the in-memory storage port: each transition's
// rule, stated once, as the run object and runLocally both get it.
import { describe, expect, it } from "vitest";
import { DEFAULT_TASK_OPTIONS } from "baton-workflows";
import type { NewCall } from "../../sdk/core/execution.ts";
import { MAX_RESENDS, RunMachine, WATCHDOG_GRACE_MS } from "../../sdk/core/run-machine/run-machine.ts";

/** The default heartbeat timeout, in ms: how long an attempt may go unclaimed or silent. */
const HEARTBEAT = 30_000;
import { MemorySteps } from "../../sdk/testing/memory-steps.ts";

const T0 = 1_000_000;
const call = (key: string, kind: NewCall["kind"], extra: Partial<NewCall> = {}): NewCall => ({ key, branch: "", seq: 0, kind, name: key.slice(0, key.indexOf("#")), attempt: 1, ...extra });
const options = { ...DEFAULT_TASK_OPTIONS, retries: { limit: 1, delay: 2, backoff: "constant" as const }, timeout: 30 };

function machine() {
  const steps = new MemorySteps();
  let ids = 0;
  const run = new RunMachine(steps);
  return { run, steps, begin: (c: NewCall, now = T0) => run.begin(c, now, () => `child-${++ids}`) };
}

describe("beginning a call", () => {
  it("starts each kind in its status, with its wake or deadline, and asks for the work it needs", () => {
    const { run, begin } = machine();
    expect(begin(call("t#0", "task", { options }))).toEqual([{ kind: "dispatch", key: "t#0", attempt: 1, options }]);
    expect(begin(call("s#0", "step", { options }))).toEqual([]);
    expect(begin(call("nap#0", "sleep", { seconds: 60 }))).toEqual([]);
    const request = { to: ["a@example.com"], subject: "s", message: "m", timeout: 120 };
    expect(begin(call("ok#0", "approval", { approval: request }))).toEqual([{ kind: "ask", key: "ok#0", request }]);
    expect(begin(call("child#0", "flow", { flow: { path: "child", input: { n: 1 }, timeout: 300 } }))).toEqual([
      { kind: "start-child", key: "child#0", childId: "child-1", workflow: "child", input: { n: 1 } },
    ]);
    expect([run.step("t#0"), run.step("s#0"), run.step("nap#0"), run.step("ok#0"), run.step("child#0")].map((s) => [s?.status, s?.wakeAt, s?.deadline])).toEqual([
      // A task must be claimed within its heartbeat timeout.
      ["running", null, T0 + HEARTBEAT],
      // An inline step is looked at again within its heartbeat timeout too: a crash that cut it off costs no more.
      ["running", null, T0 + HEARTBEAT],
      ["sleeping", T0 + 60_000, null],
      ["waiting", T0 + 120_000, null],
      ["running", null, T0 + 300_000],
    ]);
    expect(run.liveStatus()).toBe("running");
  });
});

describe("settling", () => {
  it("stores an outcome once, each taking the next place in the delivery order", () => {
    const { run, begin } = machine();
    begin(call("a#0", "task", { options }));
    begin(call("b#0", "task", { options }));
    expect(run.report("b#0", 1, { ok: true, value: 2 }, T0 + 5)).toMatchObject({ accepted: true, settled: { key: "b#0", delivery: 1, at: T0 + 5 } });
    expect(run.report("b#0", 1, { ok: true, value: 3 }, T0 + 6)).toEqual({ accepted: false, settled: null, effects: [] });
    expect(run.report("a#0", 2, { ok: true, value: 1 }, T0 + 7).accepted).toBe(false);
    expect(run.report("a#0", 1, { ok: true, value: 1 }, T0 + 8).settled?.delivery).toBe(2);
  });

  it("parks a retryable failure for its retry, then fails the step when no retry is left", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options }));
    const error = { name: "TypeError", message: "flaky" };
    expect(run.report("t#0", 1, { ok: false, error }, T0 + 10)).toMatchObject({ accepted: true, settled: null });
    expect(run.step("t#0")).toMatchObject({ status: "retrying", wakeAt: T0 + 10 + 2_000, error });
    expect(run.nextDue()).toBe(T0 + 2_010);
    expect(run.due(T0 + 2_010).effects).toEqual([{ kind: "dispatch", key: "t#0", attempt: 2, options }]);
    expect(run.report("t#0", 2, { ok: false, error }, T0 + 3_000).settled).toMatchObject({ outcome: { ok: false, error } });
    expect(run.step("t#0")?.status).toBe("failed");
  });

  it("never retries a FatalError", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options }));
    expect(run.report("t#0", 1, { ok: false, error: { name: "FatalError", message: "no" } }, T0).settled).not.toBeNull();
  });
});

describe("what time brings", () => {
  it("wakes sleeps, times out approvals and flows, fails silent tasks, in that order", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options }));
    expect(run.claim("t#0", 1, "consumer-1", T0, false)).toBe(true);
    begin(call("nap#0", "sleep", { seconds: 1 }));
    begin(call("ok#0", "approval", { approval: { to: [], subject: "s", message: "m", timeout: 1 } }));
    begin(call("child#0", "flow", { flow: { path: "child", input: undefined, timeout: 1 } }));
    const { settled, effects } = run.due(T0 + 5_000);
    expect(settled.map((s) => [s.key, s.delivery])).toEqual([
      ["nap#0", 1],
      ["ok#0", 2],
      ["child#0", 3],
    ]);
    expect(settled[1]?.outcome).toEqual({ ok: true, value: { approved: false, decision: "timeout", decidedAt: new Date(T0 + 5_000).toISOString() } });
    expect(settled[2]?.outcome).toMatchObject({ ok: false, error: { name: "TaskTimeoutError" } });
    expect(effects).toEqual([{ kind: "cancel-child", childId: "child-1" }]);
    // The claimed task's report is awaited until its timeout and the watchdog's grace.
    expect(run.step("t#0")?.status).toBe("running");
    run.due(T0 + 30_000 + WATCHDOG_GRACE_MS - 1);
    expect(run.step("t#0")?.status).toBe("running");
    run.due(T0 + 30_000 + WATCHDOG_GRACE_MS);
    expect(run.step("t#0")).toMatchObject({ status: "retrying", error: { name: "TaskTimeoutError" } });
  });
});

describe("claims, heartbeats and re-sends", () => {
  it("lets one consumer claim an attempt: a second delivery gets false, the same consumer true, a stale attempt false", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options }));
    expect(run.claim("t#0", 1, "a", T0 + 5)).toBe(true);
    expect(run.claim("t#0", 1, "b", T0 + 6)).toBe(false);
    expect(run.claim("t#0", 1, "a", T0 + 7)).toBe(true);
    expect(run.claim("t#0", 2, "c", T0 + 8)).toBe(false);
    expect(run.step("t#0")).toMatchObject({ claim: { by: "a", at: T0 + 5 }, deadline: T0 + 5 + HEARTBEAT });
  });

  it("sends an attempt no consumer took again, after its heartbeat timeout and then twice as long each time, then fails it with TaskDeliveryError", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options }));
    let now = T0;
    for (let resend = 1; resend <= MAX_RESENDS; resend++) {
      now = run.nextDue() ?? 0;
      expect(run.due(now).effects).toEqual([{ kind: "dispatch", key: "t#0", attempt: 1, options }]);
      expect(run.step("t#0")).toMatchObject({ status: "running", attempts: 1, resends: resend, deadline: now + Math.min(HEARTBEAT * 2 ** (resend - 1), 600_000) });
    }
    now = run.nextDue() ?? 0;
    expect(run.due(now).effects).toEqual([]);
    expect(run.step("t#0")).toMatchObject({ status: "retrying", attempts: 1, error: { name: "TaskDeliveryError" } });
    // The retry is a fresh attempt: unclaimed, no re-sends yet.
    expect(run.due(now + 2_000).effects).toEqual([{ kind: "dispatch", key: "t#0", attempt: 2, options }]);
    expect(run.step("t#0")).toMatchObject({ status: "running", attempts: 2, claim: null, resends: 0 });
  });

  it("a re-sent attempt runs once: the first consumer to claim it", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options }));
    run.due(T0 + HEARTBEAT);
    expect(run.claim("t#0", 1, "late-original", T0 + HEARTBEAT + 10)).toBe(true);
    expect(run.claim("t#0", 1, "re-sent", T0 + HEARTBEAT + 20)).toBe(false);
  });

  it("keeps a claim alive with heartbeats, and fails the attempt (retried per policy) when they stop", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options: { ...options, timeout: 3600 } }));
    run.claim("t#0", 1, "a", T0);
    for (let t = T0 + 10_000; t <= T0 + 120_000; t += 10_000) {
      expect(run.heartbeat("t#0", 1, "a", t)).toBe(true);
      expect(run.due(t).settled).toEqual([]);
    }
    expect(run.step("t#0")?.status).toBe("running");
    expect(run.heartbeat("t#0", 1, "b", T0 + 120_000)).toBe(false);
    const lapse = run.nextDue() ?? 0;
    expect(lapse).toBeLessThanOrEqual(T0 + 120_000 + HEARTBEAT);
    run.due(lapse);
    expect(run.step("t#0")).toMatchObject({ status: "retrying", error: { name: "TaskTimeoutError", message: expect.stringContaining("no heartbeat for 30 s") as string } });
    // The silent consumer, should it come back, is told to stop.
    expect(run.heartbeat("t#0", 1, "a", lapse + 1)).toBe(false);
  });

  it("fails a claimed attempt past its timeout even while heartbeats come", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options }));
    run.claim("t#0", 1, "a", T0);
    for (let t = T0 + 5_000; t < T0 + 30_000 + WATCHDOG_GRACE_MS; t += 5_000) run.heartbeat("t#0", 1, "a", t);
    run.due(T0 + 30_000 + WATCHDOG_GRACE_MS);
    expect(run.step("t#0")).toMatchObject({ status: "retrying", error: { name: "TaskTimeoutError", message: expect.stringContaining("within its 30 s timeout") as string } });
  });

  it("takes back a claim a consumer releases, sending the attempt again at the time it names unless another consumer claims it", () => {
    const { run, begin } = machine();
    begin(call("t#0", "task", { options }));
    run.claim("t#0", 1, "old-code", T0);
    run.release("t#0", 1, "someone-else", T0 + 1);
    expect(run.step("t#0")?.claim?.by).toBe("old-code");
    run.release("t#0", 1, "old-code", T0 + 35_000);
    expect(run.step("t#0")).toMatchObject({ claim: null, deadline: T0 + 35_000 });
    expect(run.claim("t#0", 1, "new-code", T0 + 20_000)).toBe(true);
  });
});

describe("decisions and the run's end", () => {
  it("decides an approval once, mapping approved and rejected", () => {
    const { run, begin } = machine();
    begin(call("ok#0", "approval", { approval: { to: [], subject: "s", message: "m", timeout: 60 } }));
    const decided = run.decide("ok#0", { approved: false, by: "ada@example.com" }, T0 + 1);
    expect(decided).toMatchObject({ status: "decided", result: { approved: false, decision: "rejected", by: "ada@example.com" } });
    expect(run.decide("ok#0", { approved: true }, T0 + 2)).toMatchObject({ status: "already_decided", result: { decision: "rejected" } });
    expect(run.decide("nope#0", { approved: true }, T0 + 3)).toEqual({ status: "approval_not_found" });
  });

  it("cancels every open step at the end, cancelling children and giving slots back", () => {
    const { run, begin, steps } = machine();
    const limited = { ...options, concurrency: { key: "k", limit: 1 } };
    begin(call("t#0", "task", { options: limited }));
    begin(call("child#0", "flow", { flow: { path: "child", input: undefined } }));
    begin(call("nap#0", "sleep", { seconds: 60 }));
    expect(run.end(T0 + 5)).toEqual([
      { kind: "release-slot", key: "t#0", options: limited },
      { kind: "cancel-child", childId: "child-1" },
    ]);
    expect(steps.all().map((s) => s.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(run.nextDue()).toBeNull();
  });

  it("knows when only children can move the run on", () => {
    const { run, begin } = machine();
    begin(call("child#0", "flow", { flow: { path: "child", input: undefined } }));
    expect(run.waitsOnlyForChildren()).toBe(true);
    begin(call("nap#0", "sleep", { seconds: 60 }));
    expect(run.waitsOnlyForChildren()).toBe(false);
  });
});
