// Settling a step and failing an attempt: the two ways an outcome is written. Every
// transition that ends a step (a report, a wake, a timeout, a decision, an event, a
// child's end) goes through `settleStep`, so each step settles once, guarded by its
// attempt, and takes the next place in the delivery order.

import { DEFAULT_TASK_OPTIONS } from "../../options.ts";
import type { ErrorData } from "../error-data.ts";
import type { AttemptFacts, Outcome, Settled, StepKind } from "../log.ts";
import { isRetryable, retryDelayMs } from "../retry-policy.ts";
import { SETTLEABLE_STEP_STATUSES } from "./statuses.ts";
import type { StepRecord, StepStorage } from "./storage.ts";

/** Stores the outcome of the current attempt of an open step with the next delivery place; null for a stale or repeated one. */
export function settleStep(steps: StepStorage, key: string, attempt: number, outcome: Outcome, now: number, fromCache = false, kind?: StepKind): Settled | null {
  const delivery = steps.lastDelivery() + 1;
  const applied = steps.update(
    key,
    { statuses: SETTLEABLE_STEP_STATUSES, attempt },
    {
      status: outcome.ok ? "completed" : "failed",
      // Kept by reference: the row holds the reference, never the value too.
      result: outcome.ok && !outcome.ref ? outcome.value : undefined,
      resultRef: outcome.ok ? outcome.ref : undefined,
      error: outcome.ok ? undefined : outcome.error,
      endedAt: now,
      deadline: null,
      delivery,
      ...(fromCache ? { fromCache: true } : {}),
    },
  );
  if (!applied) return null;
  const settledKind = kind ?? steps.step(key)?.kind;
  if (settledKind === "task" || settledKind === "step") steps.recordAttempt(key, attempt, now, outcome.ok ? null : outcome.error, facts(outcome));
  return { key, delivery, at: now, outcome };
}

/** A failed attempt: waits for its retry when its policy allows one and the error is retryable (null), else fails the step. */
export function failAttempt(steps: StepStorage, key: string, attempt: number, error: ErrorData, now: number, known?: StepRecord, told: AttemptFacts = {}): Settled | null {
  const step = known ?? steps.step(key);
  if (!step) return null;
  const delay = isRetryable(error) ? retryDelayMs((step.options ?? DEFAULT_TASK_OPTIONS).retries, attempt + 1) : null;
  if (delay === null) return settleStep(steps, key, attempt, { ok: false, error, ...told }, now, false, step.kind);
  if (steps.update(key, { statuses: ["running"], attempt }, { status: "retrying", wakeAt: now + delay, error, deadline: null })) {
    steps.recordAttempt(key, attempt, now, error, told);
  }
  return null;
}

/** The facts of an attempt an outcome carries, without its result. */
export function facts(outcome: Outcome): AttemptFacts {
  return { ...(outcome.logs ? { logs: outcome.logs } : {}), ...(outcome.ranAt !== undefined ? { ranAt: outcome.ranAt } : {}) };
}
