// The shapes the API returns for a run, shared by the run object, the index and the routes.

import { z } from "zod";
import type { RunStatus as RunStatusType } from "baton/client";

export type { ApprovalView, AttemptView, EmailView, RunDetail, RunPage, RunSummary, StepView } from "baton/client";

/** Where a run stands. */
export type RunStatus = RunStatusType;

/** The run statuses, for checking query parameters. */
export const RunStatus: z.ZodType<RunStatusType> = z.enum(["queued", "running", "sleeping", "waiting", "completed", "failed", "cancelled"]);

/** Statuses a run never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<RunStatusType> = new Set(["completed", "failed", "cancelled"]);

/** Milliseconds since the epoch as an ISO string. */
export const iso = (ms: number): string => new Date(ms).toISOString();
