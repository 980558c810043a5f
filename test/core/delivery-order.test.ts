// Replay delivers outcomes in the order they first reached the body, not the order the
// calls were made: races, Promise.all over sequences and .then side effects replay to
// the same answer, in a rebuilt drive execution, a consumer's mirror and a task replay.
import { describe, expect, it } from "vitest";
import { sleep, task, workflow } from "baton-workflows";
import type { LogEntry, Outcome } from "../../sdk/core/log.ts";
import { RunMirror } from "../../sdk/core/run-mirror.ts";
import { runTaskByReplay } from "../../sdk/core/task-replay.ts";
import { deliverTo, drive, MemoryHost, atRest } from "./memory-host.ts";

/** Temporal's timer sample: whichever of the order and the timer ends first decides. */
const timer = workflow(async () => {
  let processing = true;
  const order = task("processOrder", () => "processed").then(() => {
    processing = false;
  });
  await Promise.race([order, sleep("timer", 60)]);
  if (processing) await task("sendNotificationEmail", () => "sent");
  await order;
  return { notified: processing || undefined };
});

/** A log as the run object keeps it: every call, settled ones with their delivery place. */
function entry(key: string, kind: LogEntry["kind"], seq: number, delivery: number | undefined, result?: unknown): LogEntry {
  const name = key.slice(0, key.indexOf("#"));
  const base: LogEntry = { key, branch: "", seq, kind, name, status: delivery === undefined ? (kind === "sleep" ? "sleeping" : "running") : "completed", attempts: 1 };
  if (delivery !== undefined) Object.assign(base, { result, delivery, at: delivery * 1000 });
  return base;
}

describe("delivery order", () => {
  it("replays a race the timer won as the timer winning, though the task's call came first", async () => {
    const live = drive(timer, undefined);
    await atRest();
    deliverTo(live.execution, "timer#0", { ok: true, value: undefined });
    await atRest();
    expect(live.host.begun.map((c) => c.key)).toEqual(["processOrder#0", "timer#0", "sendNotificationEmail#0"]);
    deliverTo(live.execution, "processOrder#0", { ok: true, value: "processed" });
    deliverTo(live.execution, "sendNotificationEmail#0", { ok: true, value: "sent" });
    await atRest();
    expect(live.ended()).toEqual({ status: "completed", output: {} });

    // The log as stored: processOrder settled last (3), though it was called first.
    const log = [entry("processOrder#0", "task", 0, 2, "processed"), entry("timer#0", "sleep", 1, 1), entry("sendNotificationEmail#0", "task", 2, 3, "sent")];
    const rebuilt = drive(timer, undefined, log);
    await atRest();
    expect(rebuilt.host.begun).toEqual([]);
    expect(rebuilt.ended()).toEqual({ status: "completed", output: {} });
  });

  it("hands a task's closure to a mirror and a task replay at the state the run object saw", async () => {
    // The timer has fired; the notification task is open and a consumer must reach it.
    const log = [entry("processOrder#0", "task", 0, undefined), entry("timer#0", "sleep", 1, 1), entry("sendNotificationEmail#0", "task", 2, undefined)];
    const mirror = new RunMirror(timer.run, undefined, log, 3);
    expect(await mirror.run("sendNotificationEmail#0", 1)).toEqual({ ok: true, value: "sent" });
    expect(await runTaskByReplay(timer.run, undefined, log, "sendNotificationEmail#0", 1)).toEqual({ ok: true, value: "sent" });
  });

  it("replays Promise.all over sequences with each branch's calls where they were first made", async () => {
    // Temporal's DSL interpreter: branches run their activities in sequence, all branches at once.
    const dsl = workflow(async () => {
      const run = async (names: string[]): Promise<string[]> => {
        const out: string[] = [];
        for (const name of names) out.push(await task(() => name));
        return out;
      };
      const [a, b] = await Promise.all([run(["a1", "a2", "a3"]), run(["b1", "b2"])]);
      await sleep(60);
      return [...(a ?? []), ...(b ?? [])];
    });
    const live = drive(dsl, undefined);
    await atRest();
    // task#0 = a1, task#1 = b1. b1 finishes first: b's next call takes task#2.
    const finish = async (key: string, value: string): Promise<void> => {
      deliverTo(live.execution, key, { ok: true, value });
      await atRest();
    };
    await finish("task#1", "b1");
    await finish("task#0", "a1");
    await finish("task#2", "b2");
    await finish("task#3", "a2");
    await finish("task#4", "a3");
    expect(live.host.begun.map((c) => c.key)).toEqual(["task#0", "task#1", "task#2", "task#3", "task#4", "sleep#0"]);
    const values: Record<string, string> = { "task#0": "a1", "task#1": "b1", "task#2": "b2", "task#3": "a2", "task#4": "a3" };
    const order = ["task#1", "task#0", "task#2", "task#3", "task#4"];
    const log: LogEntry[] = live.host.begun.map((call, seq) => {
      const delivery = order.indexOf(call.key) + 1 || undefined;
      return entry(call.key, call.kind, seq, delivery, values[call.key]);
    });
    // Rebuilt during the sleep, then woken: the same calls, nothing begun again.
    const rebuilt = drive(dsl, undefined, log);
    await atRest();
    expect(rebuilt.host.begun).toEqual([]);
    deliverTo(rebuilt.execution, "sleep#0", { ok: true, value: undefined });
    await atRest();
    expect(rebuilt.ended()).toEqual({ status: "completed", output: ["a1", "a2", "a3", "b1", "b2"] });
  });

  it("runs .then, .catch and .finally callbacks in the order their outcomes arrived", async () => {
    const callbacks = workflow(async () => {
      const seen: string[] = [];
      const a = task("a", () => 1).then(() => seen.push("a"));
      const b = task("b", () => 2)
        .catch(() => seen.push("b failed"))
        .finally(() => seen.push("b done"));
      const c = sleep("c", 5).then(() => seen.push("c"));
      await Promise.all([a, b, c]);
      await task("after", () => seen.join(","));
      return seen;
    });
    const fail: Outcome = { ok: false, error: { name: "Error", message: "no" } };
    const live = drive(callbacks, undefined);
    await atRest();
    deliverTo(live.execution, "c#0", { ok: true, value: undefined });
    deliverTo(live.execution, "b#0", fail);
    deliverTo(live.execution, "a#0", { ok: true, value: 1 });
    await atRest();
    deliverTo(live.execution, "after#0", { ok: true, value: "" });
    await atRest();
    expect(live.ended()).toEqual({ status: "completed", output: ["c", "b failed", "b done", "a"] });
    const log: LogEntry[] = [
      entry("a#0", "task", 0, 3, 1),
      { ...entry("b#0", "task", 1, 2), status: "failed", error: { name: "Error", message: "no" } },
      entry("c#0", "sleep", 2, 1),
      entry("after#0", "task", 3, 4, ""),
    ];
    const rebuilt = drive(callbacks, undefined, log);
    await atRest();
    expect(rebuilt.ended()).toEqual({ status: "completed", output: ["c", "b failed", "b done", "a"] });
  });

  it("replays a fire-and-forget sleep's side effect where it happened", async () => {
    // Inngest's polling example: a deadline flips a flag while the loop polls.
    const polling = workflow(async () => {
      let timedOut = false;
      void sleep("deadline", 60).then(() => (timedOut = true));
      let polls = 0;
      while (!timedOut) {
        polls += 1;
        if (await task("poll", () => false)) break;
        await sleep("interval", 25);
      }
      return polls;
    });
    const live = drive(polling, undefined);
    const order: string[] = [];
    const step = async (key: string, value?: unknown): Promise<void> => {
      deliverTo(live.execution, key, { ok: true, value: value as never });
      order.push(key);
      await atRest();
    };
    await atRest();
    await step("poll#0", false);
    await step("interval#0");
    await step("poll#1", false);
    await step("interval#1");
    await step("poll#2", false);
    await step("deadline#0");
    await step("interval#2");
    expect(live.ended()).toEqual({ status: "completed", output: 3 });
    const log = live.host.begun.map((call) => entry(call.key, call.kind, call.seq, order.indexOf(call.key) + 1, call.kind === "task" ? false : undefined));
    const rebuilt = drive(polling, undefined, log);
    await atRest();
    expect(rebuilt.ended()).toEqual({ status: "completed", output: 3 });
  });

  it("still replays a log from before the order was recorded, answering each call as it is made", async () => {
    const plain = workflow(async () => {
      const a = await task("a", () => 1);
      await sleep(5);
      return [a, await task("b", () => 2)];
    });
    const legacy: LogEntry[] = [
      { ...entry("a#0", "task", 0, undefined), status: "completed", result: 1, delivery: 0 },
      { ...entry("sleep#0", "sleep", 1, undefined), status: "completed", delivery: 0 },
      entry("b#0", "task", 2, undefined),
    ];
    const run = drive(plain, undefined, legacy, new MemoryHost());
    await atRest();
    expect(run.host.begun).toEqual([]);
    deliverTo(run.execution, "b#0", { ok: true, value: 2 });
    await atRest();
    expect(run.ended()).toEqual({ status: "completed", output: [1, 2] });
  });
});

describe("replay failures", () => {
  it("names a non-Baton await as such, not as a code change", async () => {
    const waits = workflow(async () => {
      await task("first", () => 1);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return task("second", () => 2);
    });
    const run = drive(waits, undefined);
    await atRest();
    deliverTo(run.execution, "first#0", { ok: true, value: 1 });
    await atRest();
    expect(run.ended()).toMatchObject({ status: "failed", error: { name: "StuckRunError", code: "stuck" } });
    const message = (run.ended() as { error: { message: string } }).error.message;
    expect(message).toContain("called setTimeout()");
    expect(message).toContain("not a Baton primitive");
    expect(message).not.toMatch(/code changed/);
  });

  it("fails a body that calls fetch() with StuckRunError, and one that awaits a promise nothing settles", async () => {
    const fetching = drive(workflow(async () => (await fetch("https://example.com")).status), undefined);
    const waiting = drive(workflow(async () => new Promise(() => {})), undefined);
    await atRest();
    expect(fetching.ended()).toMatchObject({ status: "failed", error: { name: "StuckRunError", message: expect.stringContaining("called fetch()") } });
    expect(waiting.ended()).toMatchObject({ status: "failed", error: { name: "StuckRunError", message: expect.stringContaining("waiting for something that is not a Baton primitive") } });
  });

  it("suggests a code change only when the run started on other code", async () => {
    const renamed = workflow(async () => task("renamed", () => 1));
    const log = [entry("original#0", "task", 0, 1, 1)];
    const same = drive(renamed, undefined, log);
    const changed = drive(renamed, undefined, log, new MemoryHost(), { codeChange: 'this run started on version aaa of "w"; the code running now is version bbb.' });
    await atRest();
    const sameMessage = (same.ended() as { error: { message: string } }).error.message;
    const changedMessage = (changed.ended() as { error: { message: string } }).error.message;
    expect(sameMessage).toContain('Replay diverged at step key "original#0"');
    expect(sameMessage).not.toContain("code changed");
    expect(sameMessage).toContain("state kept outside the body");
    expect(changedMessage).toContain("code changed under this run");
    expect(changedMessage).toContain("version aaa");
    expect(changedMessage).toContain("patched()");
  });

  it("fails the replay that does not ask for the next recorded outcome, naming what it waits for instead", async () => {
    let first = true;
    const drifting = workflow(async () => {
      // Module state decides what the body waits for: not replay-safe.
      const flip = first;
      first = false;
      const a = task("a", () => 1);
      const nap = sleep("nap", 60);
      await (flip ? a : nap);
      return task("b", () => 2);
    });
    const live = drive(drifting, undefined);
    await atRest();
    deliverTo(live.execution, "a#0", { ok: true, value: 1 });
    await atRest();
    deliverTo(live.execution, "b#0", { ok: true, value: 2 });
    await atRest();
    expect(live.ended()).toEqual({ status: "completed", output: 2 });
    const rebuilt = drive(drifting, undefined, [entry("a#0", "task", 0, 1, 1), entry("nap#0", "sleep", 1, undefined), entry("b#0", "task", 2, 2, 2)]);
    await atRest();
    expect(rebuilt.ended()).toMatchObject({ status: "failed", error: { name: "NonDeterminismError" } });
    const message = (rebuilt.ended() as { error: { message: string } }).error.message;
    expect(message).toContain('the body did not ask for "b#0"; it waits for "nap#0" instead');
  });
});
