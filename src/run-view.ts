// The shapes the API returns for a run, shared by the run object, the index and the routes.

import { z } from "zod";
import type { ErrorData } from "./core/error-data.ts";
import type { StepKind, StepStatus } from "./core/log.ts";

export const RunStatus = z.enum(["queued", "running", "sleeping", "waiting", "completed", "failed", "cancelled"]);
/** Where a run stands. */
export type RunStatus = z.infer<typeof RunStatus>;

/** Statuses a run never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled"]);

/** A run as lists show it. */
export interface RunSummary {
  id: string;
  /** The workflow's (or, for a script run, the script's) path. */
  workflow: string;
  /** "workflow", or "script" for a run started by POST /api/scripts/<path>/runs. */
  kind: "workflow" | "script";
  status: RunStatus;
  /** The run whose taskFlow started this one, or null. */
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
  wakeAt?: string;
}

/** One finished attempt of a task or step. */
export interface AttemptView {
  attempt: number;
  startedAt: string | null;
  endedAt: string;
  error: ErrorData | null;
}

/** One step as `GET /api/runs/:id` shows it. */
export interface StepView {
  key: string;
  kind: StepKind;
  name: string;
  status: StepStatus;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  error: ErrorData | null;
  wakeAt?: string;
  /** Approval steps: their emails and how sending them went. */
  emails?: EmailView[];
  /** Tasks with cacheTtl: true when the result was reused from the cache, not run. */
  cached?: true;
  /** Flow steps: the child run's id. */
  childId?: string;
  /** Tasks run by taskScript: the script's path. */
  script?: string;
  /** Tasks and steps tried more than once (or failed): each finished attempt, its times and error. */
  history?: AttemptView[];
}

/** One approval email and how sending it went. */
export interface EmailView {
  to: string;
  status: string;
  attempts: number;
  error: string | null;
}

/** An approval still waiting for a decision. */
export interface ApprovalView {
  key: string;
  to: string[];
  message: string;
  expiresAt: string;
  /** Signed links that approve or reject (null while BATON_SIGNING_KEY is unset). */
  approveUrl: string | null;
  rejectUrl: string | null;
  /** The approval emails: pending, sent, failed (after retries) or skipped (decided first). */
  emails: EmailView[];
}

/** A run with its input, outcome and steps. */
export interface RunDetail extends RunSummary {
  /** The workflow's source version (a hash of its file and companion folder) when the run started. */
  version: string | null;
  /** The Worker version that started the run (from the version metadata binding), if bound. */
  workerVersion: string | null;
  /** Approvals waiting for a decision. */
  approvals: ApprovalView[];
  // `unknown` rather than Json: it is opaque JSON here, and Hono's response typing
  // cannot walk a recursive type.
  input: unknown;
  output: unknown;
  error: ErrorData | null;
  steps: StepView[];
}

/** Milliseconds since the epoch as an ISO string. */
export const iso = (ms: number): string => new Date(ms).toISOString();
