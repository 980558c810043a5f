// Outcomes whose values are kept by reference: how an inline step's result (in the
// run object) and a task's result (in the consumer) go to the payload store before
// the row or report that points at them, and how a report's reference is checked
// against what one run may keep.

import { SerializationError } from "baton-workflows";
import { MAX_RUN_PAYLOAD_BYTES, toErrorData, type Json, type Outcome, type PayloadRef, type RunOutcome } from "baton-workflows/engine";
import type { TaskReport } from "../tasks/messages.ts";
import { largeText, type PayloadStore } from "./payload-store.ts";

export { payloadStoreOf } from "./payload-store.ts";

/** Bytes of kept values the run's rows point at (steps and the run's input and output). */
export function heldPayloadBytes(sql: SqlStorage): number {
  const row = sql
    .exec(
      `SELECT COALESCE((SELECT SUM(json_extract(result_ref, '$.bytes')) FROM steps WHERE result_ref IS NOT NULL), 0)
        + COALESCE((SELECT SUM(COALESCE(json_extract(input_ref, '$.bytes'), 0) + COALESCE(json_extract(output_ref, '$.bytes'), 0)) FROM run), 0)
        + COALESCE((SELECT SUM(json_extract(payload_ref, '$.bytes')) FROM events WHERE payload_ref IS NOT NULL), 0) AS n`,
    )
    .one();
  return Number(row.n ?? 0);
}

/** Why keeping `bytes` more would pass what one run may keep (`max`, MAX_RUN_PAYLOAD_BYTES unless a test lowers it), or null. */
export function overRunPayloads(held: number, bytes: number, what: string, max = MAX_RUN_PAYLOAD_BYTES): SerializationError | null {
  if (held + bytes <= max) return null;
  return new SerializationError(`${what} is ${bytes} bytes of JSON; the run keeps ${held} bytes in BATON_PAYLOADS already, and ${max} bytes is the limit per run (10 GiB); store large data elsewhere and return a reference`);
}

/**
 * An inline step's outcome with a large value written to the store first; the value
 * stays in the outcome (this host hands it to the body as is). A write that fails
 * fails the attempt (retried per its policy). Answered at once when nothing is written.
 */
export function keepLargeOutcome(store: PayloadStore | null, runId: string, outcome: Outcome, what: string, held: () => number, max?: number): Outcome | Promise<Outcome> {
  if (!store || !outcome.ok) return outcome;
  const text = largeText(outcome.value);
  if (text === null) return outcome;
  return keepText(store, runId, text, what, held, max).then((ref): Outcome => ("key" in ref ? { ...outcome, ref } : { ok: false, error: ref.error, ...facts(outcome) }));
}

/**
 * How a run ended, with a large output written to the store first (the row then holds
 * the reference); a write that fails fails the run. Answered at once (no promise) when
 * nothing is written, so an end is recorded in the same turn as before.
 */
export function keepLargeEnd(store: PayloadStore | null, runId: string, end: RunOutcome, held: () => number, max?: number): RunOutcome | Promise<RunOutcome> {
  if (!store || end.status !== "completed") return end;
  const text = largeText(end.output);
  if (text === null) return end;
  return keepText(store, runId, text, "output", held, max).then((ref): RunOutcome => ("key" in ref ? { status: "completed", output: undefined, outputRef: ref } : { status: "failed", error: ref.error }));
}

/** Calls `then` with `value`: at once, or once it settles when it is a promise. */
export function whenKept<T>(value: T | Promise<T>, then: (value: T) => void): void {
  if (value instanceof Promise) void value.then(then);
  else then(value);
}

/** The input a consumer's replay gets with the whole log: the value, or where it is kept (never both: a kept input may outgrow an RPC). */
export function contextInput(run: { input: Json | undefined; inputRef: PayloadRef | null }): { input?: Json | undefined; inputRef?: PayloadRef } {
  return run.inputRef ? { inputRef: run.inputRef } : { input: run.input };
}

/** A consumer's report of an attempt: a large result is written to the store and reported by reference. */
export async function taskReportOf(store: PayloadStore | null, runId: string, key: string, attempt: number, outcome: Outcome, printed: Pick<TaskReport, "logs" | "ranAt">): Promise<TaskReport> {
  if (!outcome.ok) return { key, attempt, error: outcome.error, ...printed };
  const text = store ? largeText(outcome.value) : null;
  if (!store || text === null) return { key, attempt, result: outcome.value, ...printed };
  // The run object checks the run's budget when it takes the report; the consumer cannot see it.
  const ref = await keepText(store, runId, text, "result", () => 0, Number.POSITIVE_INFINITY);
  return "key" in ref ? { key, attempt, resultRef: ref, ...printed } : { key, attempt, error: ref.error, ...printed };
}

/**
 * The outcome a consumer's report tells; a reference past the run's budget fails the
 * attempt (SerializationError, not retried), as does any reference when a worker you
 * run drives the body (`remoteBody`: the protocol carries values inline, within 1 MiB).
 */
export function reportedOutcome(report: TaskReport, held: () => number, max?: number, remoteBody = false): Outcome {
  const printed = { ...(report.logs ? { logs: report.logs } : {}), ...(report.ranAt !== undefined ? { ranAt: report.ranAt } : {}) };
  if (report.error) return { ok: false, error: report.error, ...printed };
  const ref: PayloadRef | undefined = report.resultRef;
  if (!ref) return { ok: true, value: report.result as Json | undefined, ...printed };
  if (remoteBody) {
    const error = new SerializationError(`the result of "${report.key}" is ${ref.bytes} bytes of JSON, over the 1048576 bytes a value may have in a run whose body a worker you run drives; store large data elsewhere and return a reference`);
    return { ok: false, error: toErrorData(error), ...printed };
  }
  // The new row is not written yet: what is held is everything else.
  const over = overRunPayloads(held(), ref.bytes, `the result of "${report.key}"`, max);
  return over ? { ok: false, error: toErrorData(over), ...printed } : { ok: true, value: undefined, ref, ...printed };
}

async function keepText(store: PayloadStore, runId: string, text: string, what: string, held: () => number, max?: number): Promise<PayloadRef | { error: ReturnType<typeof toErrorData> }> {
  const over = overRunPayloads(held(), text.length, `the ${what}`, max);
  if (over) return { error: toErrorData(over) };
  try {
    return await store.keep(runId, text, what);
  } catch (error) {
    const failure = new Error(`the ${what} could not be written to the BATON_PAYLOADS bucket: ${toErrorData(error).message}`);
    failure.name = "PayloadError";
    return { error: toErrorData(failure) };
  }
}

function facts(outcome: Outcome): Pick<Outcome, "logs" | "ranAt"> {
  return { ...(outcome.logs ? { logs: outcome.logs } : {}), ...(outcome.ranAt !== undefined ? { ranAt: outcome.ranAt } : {}) };
}
