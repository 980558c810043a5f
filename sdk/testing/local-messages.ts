// Runs that talk to runs in memory: a body's sendEvent reaches another run of the same
// runLocally call (its parent, a child, a sibling) as the run object's signal reaches
// a target run, and answers what the send step settles with.

import { EventNotDeliveredError } from "../errors.ts";
import { toErrorData } from "../core/error-data.ts";
import type { Json } from "../core/json.ts";
import type { Outcome } from "../core/log.ts";

/** A run of the same runLocally call an event can be sent to. */
export interface LocalTarget {
  /** Settles the oldest wait for `name` or keeps the event; "run_not_active" once the run ended. */
  receive(name: string, payload: Json | undefined): { deliveredTo: string | null } | "run_not_active";
}

/** Delivers a send to `target` (undefined: no run of that id here) and answers the send step's outcome. */
export function sendLocally(target: LocalTarget | undefined, runId: string, name: string, payload: Json | undefined): Outcome {
  const answer = target ? target.receive(name, payload) : "run_not_found";
  if (typeof answer === "object") return { ok: true, value: { deliveredTo: answer.deliveredTo } };
  const why = answer === "run_not_found" ? "there is no such run in this runLocally call" : "it has ended";
  return { ok: false, error: toErrorData(new EventNotDeliveredError(`sendEvent("${runId}", "${name}"): not delivered: ${why}`, { runId, reason: answer })) };
}
