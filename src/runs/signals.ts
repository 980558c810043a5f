// Delivering a run's signals to other run objects: oldest first, each target's in
// order (a child is never asked to cancel before it was started), targets at once;
// a failed delivery waits with back-off on the alarm and is tried until it arrives.

import { InvalidInputError, issuesText } from "baton-workflows";
import { housekeepingBackoffMs, toErrorData, type ErrorData, type RunMachine, type Settled } from "baton-workflows/engine";
import { deliverSend } from "./run-messages.ts";
import { chainIdOf, startSuccessor } from "./continue-as-new.ts";
import type { Env } from "../env.ts";
import type { PendingSignal, RunRow, RunStore, Signal } from "./run-store.ts";
import { childTraceparent } from "../telemetry/run-tracer.ts";

/** A test's hook: throws to make a delivery fail (a target that cannot be reached). */
export type SignalFault = (signal: Signal) => void;

/**
 * Sends the signals that are due. A target's answer that settles a step of this run
 * (a child that refused to start fails its flow step; a send's answer settles the send)
 * is stored through `machine` and handed to `settled`.
 */
export async function sendSignals(store: RunStore, env: Env, run: RunRow, machine: RunMachine, settled: (outcome: Settled) => void, fault?: SignalFault): Promise<void> {
  const now = Date.now();
  const byTarget = new Map<string, PendingSignal[]>();
  for (const signal of store.signals.undelivered()) byTarget.set(signal.target, [...(byTarget.get(signal.target) ?? []), signal]);
  await Promise.all(
    [...byTarget.values()].map(async (signals) => {
      for (const signal of signals) {
        if (signal.dueAt > now) return;
        try {
          fault?.(signal);
          if (signal.kind === "send_event") {
            const outcome = await deliverSend(env, run, signal.target, signal.body);
            store.signals.delivered(signal.id);
            const answered = machine.sent(signal.body.key, outcome, Date.now());
            if (answered) settled(answered);
            continue;
          }
          const refusal = await deliver(env, run, signal);
          store.signals.delivered(signal.id);
          // The child refused to start (its input does not fit its workflow's schema): the flow step fails with that error, which the body can catch.
          const failed = refusal && signal.kind === "start_child" ? machine.childEnded(signal.body.parentKey, signal.target, { status: "failed", error: refusal }, Date.now()) : null;
          if (failed) settled(failed);
          // The successor refused to start: the chain ends here, failed, and a waiting parent hears so.
          if (refusal && signal.kind === "start_successor") successorRefused(store, run, refusal, Date.now());
        } catch (error) {
          const message = toErrorData(error).message;
          console.error(`baton: ${signal.kind} to run ${signal.target} failed, retrying: ${message}`);
          store.signals.failed(signal.id, message, Date.now() + housekeepingBackoffMs(signal.tries + 1));
          return;
        }
      }
    }),
  );
}

/** Delivers one signal; for a child that refused to start, answers why. */
async function deliver(env: Env, run: RunRow, signal: Exclude<Signal, { kind: "send_event" }>): Promise<ErrorData | null> {
  if (signal.kind === "enqueue_work") {
    if (!env.WORK_QUEUES) throw new Error("the Worker has no WORK_QUEUES binding (run `npx baton init`)");
    const queue = signal.target.slice("queue:".length);
    await env.WORK_QUEUES.get(env.WORK_QUEUES.idFromName(queue)).enqueue(signal.body);
    return null;
  }
  const stub = env.RUNS.get(env.RUNS.idFromName(signal.target));
  switch (signal.kind) {
    case "start_child": {
      const started = await stub.start({
        id: signal.target,
        workflow: signal.body.workflow,
        input: signal.body.input,
        idempotencyKey: null,
        origin: run.origin,
        parent: { id: run.id, key: signal.body.parentKey },
        // The child runs in its parent's trace, its root span under the parent's.
        traceparent: childTraceparent(env, run),
      });
      return started.invalid ? toErrorData(new InvalidInputError(`taskFlow("${signal.body.workflow}"): the input does not fit its input schema: ${issuesText(started.invalid)}`, started.invalid)) : null;
    }
    case "cancel_child":
      // A child chain whose next run is still being started: tried again on the back-off.
      if ((await stub.cancel()).status === "busy") throw new Error("its successor is still being started");
      return null;
    case "notify_parent":
      await stub.childEnded(signal.body.key, signal.body.childId ?? run.id, signal.body.end);
      return null;
    case "start_successor":
      return startSuccessor(env, run, signal.target, signal.body);
  }
}

/** A successor that refused to start: logged, and a parent waiting on the chain is told it failed. */
function successorRefused(store: RunStore, run: RunRow, error: ErrorData, now: number): void {
  console.error(`baton: run ${run.id} (${run.workflow}) continued as new, but its successor did not start: ${error.message}`);
  if (run.parentId !== null && run.parentKey !== null) {
    store.signals.queue({ kind: "notify_parent", target: run.parentId, body: { key: run.parentKey, end: { status: "failed", error }, childId: chainIdOf(run) } }, now);
  }
}
