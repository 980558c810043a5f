// The shapes the HTTP API answers with: shared by the Worker that sends them and the
// client that reads them. Types only.

import type { RunStatus } from "../core/run-machine/statuses.ts";

export type { RunStatus } from "../core/run-machine/statuses.ts";

/** An error as the API shows it: the thrown error's name, message, code, causes, own JSON fields and stack. */
export interface ErrorView {
  name: string;
  message: string;
  code?: string | undefined;
  /** The error's cause, shown the same way. */
  cause?: ErrorView | undefined;
  /** The error's other own JSON properties, e.g. `declineCode`; a thrown non-Error's `value`. */
  fields?: { [key: string]: unknown } | undefined;
  /** Where it was thrown. */
  stack?: string | undefined;
}

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
  /** When it was dispatched (a task) or began (a step). */
  startedAt: string | null;
  /** Tasks: when a consumer took the attempt's message, so startedAt → ranAt was queue wait (null for steps, and attempts stored before this was recorded). */
  ranAt: string | null;
  endedAt: string;
  error: ErrorView | null;
}

/** One approval email and how sending it went. */
export interface EmailView {
  to: string;
  status: string;
  attempts: number;
  error: string | null;
}

/** One step as `GET /api/runs/:id` shows it. */
export interface StepView {
  key: string;
  kind: "task" | "step" | "sleep" | "approval" | "event" | "flow" | "patch";
  name: string;
  status: "queued" | "running" | "retrying" | "sleeping" | "waiting" | "completed" | "failed" | "cancelled";
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  error: ErrorView | null;
  wakeAt?: string;
  /** Approval steps: their emails and how sending them went. */
  emails?: EmailView[];
  /** Tasks with cacheTtl: true when the result was reused from the cache, not run. */
  cached?: true;
  /** Flow steps: the child run's id. */
  childId?: string;
  /** Event waits: the event's name. */
  event?: string;
  /** Tasks run by taskScript: the script's path. */
  script?: string;
  /** Tasks and steps tried more than once (or failed): each finished attempt, its times and error. */
  history?: AttemptView[];
}

/** A line a task or step closure printed with console.log, info, warn, error or debug. */
export interface LogLineView {
  attempt: number;
  /** When it was printed (ms since the epoch). */
  at: number;
  level: "log" | "info" | "warn" | "error" | "debug";
  message: string;
}

/** One step with everything it produced, as `GET /api/runs/:id/steps/:key` answers. */
export interface StepDetail extends StepView {
  /** Its JSON result (null until it completed, or when it returned nothing). */
  output: unknown;
  /** Tasks and steps: every finished attempt, its times and error (empty for other kinds). */
  history: AttemptView[];
  /** What its closure printed, attempt by attempt (capped per attempt). */
  logs: LogLineView[];
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

/** An event wait still open. */
export interface EventWaitView {
  key: string;
  /** The event's name: send it with POST /api/runs/:id/events/:name. */
  name: string;
  /** When the wait ends with EventTimeoutError. */
  expiresAt: string;
}

/** A run with its input, outcome and steps. */
export interface RunDetail extends RunSummary {
  /** The workflow's source version (a hash of its file and companion folder) when the run started. */
  version: string | null;
  /** The Worker version that started the run (from the version metadata binding), if bound. */
  workerVersion: string | null;
  /** The run this one restarted (POST /api/runs/:id/restart), or null. */
  restartOf: string | null;
  /** Approvals waiting for a decision. */
  approvals: ApprovalView[];
  /** Events the run waits for. */
  events: EventWaitView[];
  // `unknown` rather than a JSON type: Hono's response typing cannot walk a recursive type.
  input: unknown;
  output: unknown;
  error: ErrorView | null;
  steps: StepView[];
}

/** A page of runs and the cursor of the next one. */
export interface RunPage {
  runs: RunSummary[];
  nextCursor: string | null;
}

/** A registered workflow or script. */
export interface WorkflowEntry {
  name: string;
  kind: "workflow" | "script";
  /** A hash of its source; runs record the version they started on. */
  version: string;
  /** When the scheduler starts runs of it (workflow(fn, { schedule })), or null. */
  schedule: ScheduleView | null;
}

/** A workflow's schedule, its next due time and what its last tick did. */
export interface ScheduleView {
  /** The cron expression, e.g. "0 9 * * 1-5". */
  cron: string;
  /** The IANA time zone it is read in. */
  timezone: string;
  /** "skip": a tick starts nothing while the previous scheduled run is active; "allow": every tick starts one. */
  overlap: "skip" | "allow";
  /** The next minute it is due (ISO time), or null when it never is again. */
  next: string | null;
  /** The most recent tick: the minute, and the run it started or the active run it skipped for; null before the first. */
  last: { scheduledAt: string; outcome: "started" | "skipped"; runId: string } | null;
}

/** What restarting a run answers (201): the new run. */
export interface RestartView {
  id: string;
  restartOf: string;
  /** The step the new run runs again first, or null when it keeps every completed step. */
  fromStep: string | null;
  status: RunSummary["status"];
}

/** What sending an event answers (202). */
export interface EventSentView {
  name: string;
  /** The key of the wait it settled, or null when it was kept for the first wait to come. */
  deliveredTo: string | null;
}

/** What deciding an approval answers. */
export interface DecisionView {
  key: string;
  approved: boolean;
  decision: "approved" | "rejected" | "timeout";
  by?: string;
  comment?: string;
  decidedAt: string;
}
