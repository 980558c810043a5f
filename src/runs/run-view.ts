// The shapes the API returns for a run, shared by the run object, the index and the routes.

import { z } from "zod";
import { RUN_STATUSES, type RunStatus as RunStatusType } from "baton/engine";

export type { ApprovalView, AttemptView, EmailView, RunDetail, RunPage, RunSummary, StepView } from "baton/client";

/** Where a run stands. */
export type RunStatus = RunStatusType;

/** The run statuses, for checking query parameters. */
export const RunStatus: z.ZodType<RunStatusType> = z.enum(RUN_STATUSES as [RunStatusType, ...RunStatusType[]]);

/** Milliseconds since the epoch as an ISO string. */
export const iso = (ms: number): string => new Date(ms).toISOString();
