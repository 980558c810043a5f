// What a body knows about its own run (currentRun) and what it sends to another run
// (sendEvent). The facts come from the host — the run object's run row, the consumer's
// task context, runLocally's engine — so every execution of a run sees the same ones.

import { EVENT_NAME } from "../events.ts";
import { InvalidArgumentError } from "../errors.ts";
import { toJson, type Json } from "./json.ts";

/** The run a body belongs to, as `currentRun()` answers it. */
export interface RunInfo {
  /** The run's id. */
  id: string;
  /** The path of its workflow in `workflows/` (e.g. "reports/build"). */
  workflow: string;
  /** The run that started it with `taskFlow`, or null. */
  parentId: string | null;
  /** The run this one restarted, or null. */
  restartOf: string | null;
  /** 1 for a run started anew; each restart (POST /api/runs/{id}/restart) counts one more. */
  attempt: number;
  /** When the run was created. */
  startedAt: Date;
}

/** RunInfo as hosts carry it (over RPC, in options): the start time in ms. */
export interface RunFacts {
  id: string;
  workflow: string;
  parentId: string | null;
  restartOf: string | null;
  attempt: number;
  startedAt: number;
}

/** A fresh RunInfo of `facts`: a new object (and Date) each call, so a body that changes one changes nothing else. */
export function runInfoOf(facts: RunFacts): RunInfo {
  return { id: facts.id, workflow: facts.workflow, parentId: facts.parentId, restartOf: facts.restartOf, attempt: facts.attempt, startedAt: new Date(facts.startedAt) };
}

/** An event a body sends to another run, as the engine records it. */
export interface SendRequest {
  runId: string;
  name: string;
  payload: Json | undefined;
}

/** What a run id may be: the API's rule (src/api/schemas.ts RUN_ID). */
const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Checks sendEvent()'s arguments: a run id, an event name as waitForEvent takes it, a JSON payload. */
export function sendRequest(runId: unknown, name: unknown, payload: unknown): SendRequest {
  if (typeof runId !== "string" || !RUN_ID.test(runId)) {
    throw new InvalidArgumentError(`sendEvent() takes a run id first (e.g. currentRun().parentId), got ${JSON.stringify(runId) ?? String(runId)}`);
  }
  if (typeof name !== "string" || !EVENT_NAME.test(name)) {
    throw new InvalidArgumentError(
      `sendEvent() takes an event name of 1 to 200 letters, digits, "_", ".", ":" or "-" (starting with a letter or digit), got ${JSON.stringify(name) ?? String(name)}`,
    );
  }
  try {
    return { runId, name, payload: toJson(payload, `the payload of event "${name}"`) };
  } catch (error) {
    throw new InvalidArgumentError(`sendEvent(): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The idempotency key of a send at the target run: the sender's id and step key, so a re-sent signal delivers once. */
export function sendOnceKey(senderId: string, key: string): string {
  return `${senderId}/${key}`;
}
