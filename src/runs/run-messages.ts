// Runs that talk to runs, on the run object's side: the facts currentRun() answers
// (from the run row, the same for the run object's body and a consumer's replay), and
// a body's sendEvent delivered to its target through the signals table — once, with
// the target's `once` idempotency keyed by this run's id and the send's step key, so a
// signal re-sent after a crash delivers nothing twice.

import { EventNotDeliveredError } from "baton-workflows";
import { sendOnceKey, toErrorData, type Json, type Outcome, type RunFacts } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import { fingerprintOf } from "./run-ids.ts";
import type { RunRow } from "./run-store.ts";

/** What currentRun() answers in a run, from its row; a debounced run started at its start time, not at its first start. */
export function runFacts(run: RunRow): RunFacts {
  return { id: run.id, workflow: run.workflow, parentId: run.parentId, restartOf: run.restartOf, attempt: run.attempt, startedAt: run.startsAt ?? run.createdAt };
}

/** A body's send, as its signal carries it: the send step's key, the event and its payload. */
export interface SendBody {
  key: string;
  name: string;
  payload: Json | undefined;
}

/**
 * Delivers a send to its target run and answers what its step settles with: the wait
 * it settled (or null: kept), or EventNotDeliveredError. Throws when the target cannot
 * be reached, so the signal is retried.
 */
export async function deliverSend(env: Env, run: RunRow, target: string, body: SendBody): Promise<Outcome> {
  const once = { key: sendOnceKey(run.id, body.key), fingerprint: await fingerprintOf({ name: body.name, payload: body.payload ?? null }) };
  const answer = await env.RUNS.get(env.RUNS.idFromName(target)).sendEvent(body.name, body.payload, once);
  if (answer.status === "accepted") return { ok: true, value: { deliveredTo: answer.deliveredTo } };
  const why =
    answer.status === "run_not_found" ? "there is no such run" : answer.status === "run_not_active" ? `it has ended (${answer.run.status})` : answer.status === "inbox_full" ? answer.message : "its idempotency key was used for another event";
  const error = new EventNotDeliveredError(`sendEvent("${target}", "${body.name}"): not delivered: ${why}`, { runId: target, reason: answer.status });
  return { ok: false, error: toErrorData(error) };
}
