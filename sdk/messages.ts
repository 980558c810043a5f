// Runs that talk to runs: a body learns its own run (currentRun) and sends events to
// other runs (sendEvent), e.g. a child started with `taskFlow(..., { start: true })`
// telling its parent it is done.

import { currentContext, type SentEvent } from "./context.ts";
import { sendRequest, type RunInfo } from "./core/run-info.ts";

export type { SentEvent } from "./context.ts";
export type { RunInfo } from "./core/run-info.ts";

/**
 * The run this body belongs to: its id, workflow, parent (`taskFlow`), the run it
 * restarted and when it was created. Synchronous and recorded nowhere: every replay
 * gets the same facts from its host. There is no `attempt`: a body has none (it
 * replays); a task's attempt is in its closure's context. Throws OutsideRunError
 * outside a run and InvalidArgumentError inside a task or step closure: read it in
 * the body and let the closure capture it.
 */
export function currentRun(): RunInfo {
  // A fresh object each call, so a body that changes one changes no other.
  return currentContext("currentRun").currentRun();
}

/**
 * Sends the event `name` with a JSON `payload` to the run `runId` (a parent, a child,
 * any run), as POST /api/runs/:id/events/:name does: it settles the target's oldest
 * wait for it, or is kept in its inbox. A step of kind `send` (key `send#n`): recorded
 * once, delivered once (retried until the target answers, idempotent by this run's id
 * and the step key), and replayed from the log. Resolves with `{ deliveredTo }` (the
 * wait it settled, or null when it was kept); rejects with EventNotDeliveredError
 * (`runId`, `reason`) when the target does not exist, has ended or its inbox is full.
 */
export function sendEvent(runId: string, name: string, payload?: unknown): Promise<SentEvent> {
  // No signal: once recorded the event goes out whatever the body does next.
  return currentContext("sendEvent").send(sendRequest(runId, name, payload));
}
