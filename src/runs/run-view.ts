// The shapes the API returns for a run, shared by the run object, the index and the routes.

import type { RunStatus as RunStatusType } from "baton-workflows/engine";

import type { RunDetail, StepDetail } from "baton-workflows/client";

export type { ApprovalView, AttemptView, EmailView, RunDetail, RunPage, RunSummary, StepDetail, StepView } from "baton-workflows/client";

/** A step as the console shows it: everything it produced, and when its current attempt was dispatched. */
export interface ConsoleStep extends StepDetail {
  attemptStartedAt: string;
}

/** A run (its steps left out) and one page of its steps, for the console's run page. */
export interface RunWindow {
  run: RunDetail;
  /** The page's steps, in the order the run recorded them. */
  steps: ConsoleStep[];
  offset: number;
  /** How many steps the run has, and in each status. */
  total: number;
  counts: Partial<Record<StepDetail["status"], number>>;
  /** The id of the run's newest event: a live page streams what comes after it. */
  lastEvent: number;
}

/** Where a run stands. */
export type RunStatus = RunStatusType;

/** Milliseconds since the epoch as an ISO string. */
export const iso = (ms: number): string => new Date(ms).toISOString();
