// Cancellation that reaches the body: the run's cancel at the primitive it awaits,
// cleanup in finally, nonCancellable, a call's own signal, race() cancelling the
// losers, a second cancel and the grace deadline — on runLocally (both settings) and
// by replaying logs that hold a cancel.
import { describe, expect, it } from "vitest";
import { CancelledError, InvalidArgumentError, nonCancellable, race, sleep, task, waitForEvent, workflow, type TaskContext } from "baton-workflows";
import { runLocally, type LocalRun } from "baton-workflows/testing";
import { CANCEL_GRACE_MS, RunMirror, runTaskByReplay, type LogEntry } from "baton-workflows/engine";
import { atRest, drive, MemoryHost } from "./memory-host.ts";

/** A closure that runs until its signal aborts, and answers why it stopped. */
const untilAborted = ({ signal }: TaskContext): Promise<string> =>
  new Promise((resolve) => signal.addEventListener("abort", () => resolve(`aborted: ${(signal.reason as Error).name}`), { once: true }));

const statuses = (run: LocalRun): Record<string, string> => Object.fromEntries(run.steps.map((step) => [step.key, step.status]));

const cleanupAfterCancel = workflow(async () => {
  try {
    await task("long", untilAborted);
    return "not cancelled";
  } finally {
    await task("cleanup", () => "cleaned");
  }
});

describe.each([false, true])("cancelling a run in memory (replayEveryStep %s)", (replayEveryStep) => {
  it("throws CancelledError at the awaited task, runs the finally cleanup task, then ends cancelled", async () => {
    const run = await runLocally(cleanupAfterCancel, undefined, { replayEveryStep, cancels: [{ atStep: "long#0" }] });
    expect(run.status).toBe("cancelled");
    expect(statuses(run)).toEqual({ "long#0": "cancelled", "cleanup#0": "completed" });
    expect(run.steps.find((step) => step.key === "cleanup#0")?.output).toBe("cleaned");
  });

  it("lets the body see the CancelledError and still ends cancelled when it returns", async () => {
    const flow = workflow(async () => {
      try {
        await sleep("nap", "1 hour");
      } catch (error) {
        await task("note", () => `${(error as Error).name}: ${(error as Error).message}`);
        return "handled";
      }
      return "slept";
    });
    const run = await runLocally(flow, undefined, { replayEveryStep, cancels: [{ after: "10 minutes" }] });
    expect(run.status).toBe("cancelled");
    expect(run.output).toBeNull();
    expect(run.steps.map((step) => [step.key, step.status, step.output])).toEqual([
      ["nap#0", "cancelled", null],
      ["note#0", "completed", "CancelledError: the run was cancelled"],
    ]);
  });

  it("does not interrupt calls awaited inside nonCancellable, and ends cancelled once the body ends", async () => {
    const flow = workflow(async () => {
      const saved = await nonCancellable(() => task("critical", async () => "saved"));
      await task("after", () => "runs as cleanup would");
      return saved;
    });
    const run = await runLocally(flow, undefined, { replayEveryStep, cancels: [{ atStep: "critical#0" }] });
    expect(run.status).toBe("cancelled");
    // The cancel came while critical ran; the task after it was called after the cancel, so it runs.
    expect(statuses(run)).toEqual({ "critical#0": "completed", "after#0": "completed" });
  });

  it("ends at once on a second cancel while the body cleans up", async () => {
    const flow = workflow(async () => {
      try {
        await task("long", untilAborted);
      } finally {
        await nonCancellable(() => task("cleanup", untilAborted));
      }
    });
    const run = await runLocally(flow, undefined, { replayEveryStep, cancels: [{ atStep: "long#0" }, { atStep: "cleanup#0" }] });
    expect(run.status).toBe("cancelled");
    expect(statuses(run)).toEqual({ "long#0": "cancelled", "cleanup#0": "cancelled" });
  });

  it("cuts a cleanup short at the grace deadline", async () => {
    const flow = workflow(async () => {
      try {
        await sleep("wait", "1 hour");
      } finally {
        await nonCancellable(() => sleep("slow-cleanup", "1 hour"));
      }
    });
    const run = await runLocally(flow, undefined, { replayEveryStep, startAt: 0, cancels: [{ after: 60 }] });
    expect(run.status).toBe("cancelled");
    expect(statuses(run)).toEqual({ "wait#0": "cancelled", "slow-cleanup#0": "cancelled" });
    expect(Date.parse(run.updatedAt)).toBe(60_000 + CANCEL_GRACE_MS);
  });

  it("cancels a pending sleep, task and wait through their signal, with the abort's reason as the cause", async () => {
    const flow = workflow(async () => {
      const controller = new AbortController();
      const pending = [
        sleep("nap", "1 hour", { signal: controller.signal }),
        task("work", untilAborted, { signal: controller.signal }),
        waitForEvent("go", { signal: controller.signal }),
      ].map((promise) => promise.then(() => "settled", (error: unknown) => `${(error as Error).name} (${((error as Error).cause as Error | undefined)?.message})`));
      await task("first", () => 1);
      controller.abort(new Error("no longer needed"));
      return Promise.all(pending);
    });
    const run = await runLocally(flow, undefined, { replayEveryStep });
    expect(run.status).toBe("completed");
    expect(run.output).toEqual(["CancelledError (no longer needed)", "CancelledError (no longer needed)", "CancelledError (no longer needed)"]);
    expect(statuses(run)).toEqual({ "nap#0": "cancelled", "work#0": "cancelled", "go#0": "cancelled", "first#0": "completed" });
  });

  it("race() cancels the loser, so a wait that lost takes no later event: the next wait gets it", async () => {
    const flow = workflow(async () => {
      // A primitive's own promise carries its cancel; a derived one is raced through a function given a signal.
      const first = await race<unknown>([waitForEvent("go"), sleep("short", 10)]);
      const later = await race([(signal) => waitForEvent<string>("go", { signal }), (signal) => sleep("long", "1 hour", { signal }).then(() => "timer")]);
      return { first, later };
    });
    const run = await runLocally(flow, undefined, { replayEveryStep, events: [{ name: "go", payload: "second", after: 20 }] });
    expect(run.output).toEqual({ later: "second" });
    expect(statuses(run)).toEqual({ "go#0": "cancelled", "short#0": "completed", "go#1": "completed", "long#0": "cancelled" });
  });
});

describe("signals and race, checked where they are called", () => {
  it("reject a signal that is not an AbortSignal, and an already aborted one at once", async () => {
    const flow = workflow(async () => {
      const refused: string[] = [];
      for (const call of [() => sleep(1, { signal: "soon" as never }), () => task(() => 1, { signal: {} as never }), () => waitForEvent("x", { signal: 1 as never })]) {
        try {
          await call();
        } catch (error) {
          refused.push(error instanceof InvalidArgumentError ? (error as Error).message : "other");
        }
      }
      const aborted = AbortSignal.abort(new Error("before"));
      const early = await task("never", () => 1, { signal: aborted }).catch((error: unknown) => error instanceof CancelledError);
      return { refused, early };
    });
    const run = await runLocally(flow, undefined);
    expect(run.output).toEqual({
      refused: [
        "sleep() signal must be an AbortSignal (new AbortController().signal), got \"soon\"",
        "task() signal must be an AbortSignal (new AbortController().signal), got Object",
        "waitForEvent() signal must be an AbortSignal (new AbortController().signal), got 1",
      ],
      early: true,
    });
    // The already aborted call took no step.
    expect(run.steps).toEqual([]);
  });
});

describe("replaying a log that holds a cancel", () => {
  const entry = (key: string, kind: LogEntry["kind"], status: LogEntry["status"], delivery?: number, result?: unknown): LogEntry => ({
    key, branch: "", seq: key === "cancel#0" ? 0 : Number(key.endsWith("#0") ? 0 : 1), kind, name: key.slice(0, key.indexOf("#")), status, attempts: 1, result, ...(delivery ? { delivery } : {}),
  });
  // The first run: long#0 in flight, then the cancel (delivery 1), then the cleanup the body started.
  const log = [entry("long#0", "task", "cancelled"), entry("cancel#0", "cancel", "completed", 1)];
  log[1] = { ...log[1] as LogEntry, seq: 0 };

  it("reaches the same cleanup steps in drive mode, without running the cancelled task again", async () => {
    const host = new MemoryHost();
    const { ended } = drive(cleanupAfterCancel, undefined, log, host);
    await atRest();
    expect(host.begun.map((call) => call.key)).toEqual(["cleanup#0"]);
    expect(host.cancelled).toEqual(["long#0"]);
    expect(ended()).toBeUndefined();
  });

  it("ends cancelled once the recorded cleanup outcome is replayed", async () => {
    const cleanup = { ...entry("cleanup#0", "task", "completed", 2, "cleaned"), seq: 1 };
    const { ended } = drive(cleanupAfterCancel, undefined, [...log, cleanup]);
    await atRest();
    expect(ended()).toEqual({ status: "cancelled" });
  });

  it("brings a consumer's mirror and a task-mode replay to the cleanup task's closure", async () => {
    const mirror = new RunMirror(cleanupAfterCancel.run as never, undefined, log, 2);
    expect(await mirror.run("cleanup#0", 1)).toEqual({ ok: true, value: "cleaned" });
    expect(await runTaskByReplay(cleanupAfterCancel.run as never, undefined, log, "cleanup#0", 1)).toEqual({ ok: true, value: "cleaned" });
  });

  it("passes over an outcome recorded for a call the body had already cancelled through its signal", async () => {
    const flow = workflow(async () => {
      const controller = new AbortController();
      const work = task("work", () => "done", { signal: controller.signal });
      await sleep("a", 1);
      controller.abort();
      const seen = await work.catch((error: unknown) => (error as Error).name);
      return task("after", () => seen);
    });
    // The sleep's wake was delivered first; the task's report was recorded before the body aborted it.
    const recorded = [
      { ...entry("work#0", "task", "completed", 2, "done"), seq: 0 },
      { ...entry("a#0", "sleep", "completed", 1), seq: 1 },
    ];
    const host = new MemoryHost();
    const { ended } = drive(flow, undefined, recorded, host);
    await atRest();
    expect(ended()).toBeUndefined();
    expect(host.begun.map((call) => call.key)).toEqual(["after#0"]);
    expect(host.cancelled).toEqual(["work#0"]);
  });
});
