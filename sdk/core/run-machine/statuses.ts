// Where runs and steps stand, and which of those states are over. The one list of
// each: the run object, runLocally, the index and the API all read these.

import type { StepStatus } from "../log.ts";

/** Where a run stands. */
export type RunStatus = "queued" | "running" | "sleeping" | "waiting" | "paused" | "completed" | "failed" | "cancelled" | "continued";

/** Every run status, in the order a run usually passes them. */
export const RUN_STATUSES: readonly RunStatus[] = ["queued", "running", "sleeping", "waiting", "paused", "completed", "failed", "cancelled", "continued"];

/** Statuses a run never leaves; `continued`: it ended by continueAsNew, its successor goes on. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled", "continued"]);

/** True once a run can no longer change. */
export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.has(status);
}

/** Statuses of a step that is not over: it still runs, waits for a slot, a retry, a wake or a decision. */
export const OPEN_STEP_STATUSES: readonly StepStatus[] = ["queued", "running", "retrying", "sleeping", "waiting"];

/** Statuses from which an outcome settles a step (a retry or a slot must first make it running). */
export const SETTLEABLE_STEP_STATUSES: readonly StepStatus[] = ["running", "sleeping", "waiting"];

/** True while a step is not over. */
export function isOpenStep(status: StepStatus): boolean {
  return OPEN_STEP_STATUSES.includes(status);
}
