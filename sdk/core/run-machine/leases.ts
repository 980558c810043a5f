// Leases of task attempts: which attempt is the one running, a consumer's claim on it,
// its heartbeats and giving it back. Bookkeeping of an attempt in flight, written
// through the storage port's `lease` (not a log change); only the claiming consumer's
// report counts.

import { DEFAULT_TASK_OPTIONS, heartbeatTimeoutMs } from "../../options.ts";
import type { StepRecord, StepStorage } from "./storage.ts";
import { taskDeadlineMs } from "./timing.ts";

/** The task at `key` while `attempt` is the one running; undefined once it settled, moved on or never was. */
export function runningAttempt(steps: StepStorage, key: string, attempt: number): StepRecord | undefined {
  const step = steps.step(key);
  return step && step.kind === "task" && step.status === "running" && step.attempts === attempt ? step : undefined;
}

/** `attempt` of the task at `key` as it was read when `by` holds it (claiming it if no one did), else undefined. */
export function claimAttempt(steps: StepStorage, key: string, attempt: number, by: string, now: number, heartbeats: boolean): StepRecord | undefined {
  const step = runningAttempt(steps, key, attempt);
  return step && take(steps, step, by, now, heartbeats) ? step : undefined;
}

/** Claims a running attempt already read for `by`; true when `by` holds it. */
function take(steps: StepStorage, step: StepRecord, by: string, now: number, heartbeats: boolean): boolean {
  if (step.claim) return step.claim.by === by;
  const options = step.options ?? DEFAULT_TASK_OPTIONS;
  const timeoutAt = now + taskDeadlineMs(options);
  return steps.lease(step.key, step.attempts, { claim: { by, at: now }, deadline: heartbeats ? Math.min(now + heartbeatTimeoutMs(options), timeoutAt) : timeoutAt });
}

/** A heartbeat from `by` on a running attempt: its claim lasts another heartbeat timeout; false when the caller should stop. */
export function extendClaim(steps: StepStorage, key: string, attempt: number, by: string, now: number): boolean {
  const step = runningAttempt(steps, key, attempt);
  if (!step) return false;
  if (!step.claim) return take(steps, step, by, now, true);
  if (step.claim.by !== by) return false;
  const options = step.options ?? DEFAULT_TASK_OPTIONS;
  const window = heartbeatTimeoutMs(options);
  const deadline = Math.min(now + window, step.claim.at + taskDeadlineMs(options));
  // Stored when it moves a quarter window: a heartbeat every second is not a write every second.
  if (step.deadline === null || deadline - step.deadline >= window / 4) steps.lease(key, attempt, { deadline });
  return true;
}

/** Gives back the claim `by` holds on an attempt: sent again at `resendAt` unless another consumer takes it first. */
export function releaseClaim(steps: StepStorage, key: string, attempt: number, by: string, resendAt: number): void {
  const step = steps.step(key);
  if (step?.claim?.by !== by) return;
  steps.lease(key, attempt, { claim: null, deadline: resendAt });
}
