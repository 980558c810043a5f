// The checkpoint log's records. The run object stores them in SQLite; the consumer
// receives them over RPC; the replay machine reads them.

import { CancelledError } from "../errors.ts";
import { toErrorData, type ErrorData } from "./error-data.ts";
import type { Json } from "./json.ts";
import type { LogLine } from "./closure-logs.ts";
import type { PayloadRef } from "./payloads.ts";

/** What a checkpointed call was; `flow` is a child run, `send` an event sent to another run, `patch` a `patched()` marker, `continue` a continueAsNew() (its successor's id), `cancel` the run's cancel (an outcome of no call, see cancellation.ts), `update` an update the run received (another, see updates.ts). */
export type StepKind = "task" | "step" | "sleep" | "approval" | "event" | "flow" | "send" | "patch" | "continue" | "cancel" | "update";

/** Where a step stands. */
export type StepStatus = "queued" | "running" | "retrying" | "sleeping" | "waiting" | "completed" | "failed" | "cancelled";

/** What identifies a checkpointed call and where it stands. */
export interface StepHead {
  key: string;
  /** The branch path the call was made in. */
  branch: string;
  /** Its position among the calls of that branch, from 0. */
  seq: number;
  kind: StepKind;
  /** The name given, or the kind when none was. */
  name: string;
  status: StepStatus;
  attempts: number;
}

/** One checkpointed call as the replay machine sees it. */
export interface LogEntry extends StepHead {
  /** Stored JSON, typed `unknown` so it can cross Durable Object RPC, whose types cannot walk a recursive one. */
  result?: unknown;
  error?: ErrorData | undefined;
  /**
   * Settled entries: the place of this outcome in the order outcomes reached the
   * workflow body (1, 2, …), which every replay repeats. 0 or absent: settled before
   * Baton recorded that order; such an outcome is handed over when its call is made.
   */
  delivery?: number | undefined;
  /** Settled entries: when the outcome was recorded (ms), the body's clock once it is delivered. */
  at?: number | undefined;
  /** A completed entry whose result is kept in the payload store (`result` is then absent): loaded when delivered. */
  resultRef?: PayloadRef | undefined;
}

/** An outcome the host has just stored, with its place in the delivery order. */
export interface Settled {
  key: string;
  /** The outcome's place in the order outcomes reach the body (1, 2, …). */
  delivery: number;
  /** When it was recorded (ms). */
  at: number;
  outcome: Outcome;
}

/**
 * The settled result of a step or of a closure run. `ref`: the value is kept in the
 * payload store there; `value` is then absent until the delivery loop loads it (or
 * present too, when the host that kept it still holds it).
 */
export type Outcome = ({ ok: true; value: Json | undefined; ref?: PayloadRef | undefined } | { ok: false; error: ErrorData }) & AttemptFacts;

/** What a task's or step's attempt tells beyond its outcome. */
export interface AttemptFacts {
  /** What the closure printed. */
  logs?: LogLine[];
  /** When a consumer took the task's message (ms): the time from dispatch to this was spent in the queue. */
  ranAt?: number;
}

/** How a run ended, as the workflow function settled; `outputRef`: the output is kept in the payload store (`output` then absent). */
export type RunEnd = { status: "completed"; output: Json | undefined; outputRef?: PayloadRef | undefined } | { status: "failed"; error: ErrorData };

/** How a run ended, cancellation included; `continued`: by continueAsNew, with its successor's input (and, once the host named it, id). */
export type RunOutcome = RunEnd | { status: "cancelled" } | { status: "continued"; input: Json | undefined; runId?: string | undefined };

/** What a parent's taskFlow step settles with when its child run ends. */
export function childOutcome(end: RunOutcome, childId: string, workflow: string): Outcome {
  if (end.status === "completed") return end.outputRef ? { ok: true, value: undefined, ref: end.outputRef } : { ok: true, value: end.output };
  if (end.status === "failed") return { ok: false, error: end.error };
  return { ok: false, error: toErrorData(new CancelledError(`child run ${childId} of "${workflow}" was cancelled`)) };
}
