// The shapes of runLocally: its options, and the finished run it answers (shaped
// like GET /api/runs/:id).

import type { Script } from "../compose.ts";
import type { TaskContext } from "../context.ts";
import type { ErrorData } from "../core/error-data.ts";
import type { LogLineView, StepView } from "../client/api-types.ts";
import type { Duration } from "../duration.ts";
import type { Workflow } from "../index.ts";

/** What an approval asks, as `options.approve` receives it. */
export interface ApprovalAsk {
  /** The approval's step key, e.g. "approval#0". */
  key: string;
  message: string;
  subject: string;
  to: string[];
  data: unknown;
}

/** How a test answers an approval; null or undefined lets it run into its timeout. */
export type ApprovalAnswer = { approved: boolean; comment?: string; by?: string } | null | undefined;

/** An event runLocally sends to the run, as POST /api/runs/:id/events/:name would. */
export interface LocalEvent {
  name: string;
  /** Its JSON payload. */
  payload?: unknown;
  /** When, after the run starts (seconds or e.g. "5 minutes" of virtual time); default at once. */
  after?: Duration;
}

/**
 * A cancel runLocally sends to the run, as POST /api/runs/:id/cancel would: at a
 * virtual time after the start, or once the step `atStep` has begun. The first lets
 * the body clean up (with `rollback: true`, the completed steps' rollbacks run too); a
 * second ends the run at once.
 */
export type LocalCancel = ({ after: Duration } | { atStep: string }) & { rollback?: boolean };

/** A query runLocally sends to the run, as GET /api/runs/:id/queries/:name would. */
export interface LocalQuery {
  name: string;
  /** Its JSON argument (the API's `?arg=`). */
  arg?: unknown;
  /** When, after the run starts (seconds or e.g. "5 minutes" of virtual time); default at once. */
  after?: Duration;
}

/** A query's answer: its result, or the API's error code and message (query_not_found, query_failed, query_unavailable). */
export type LocalQueryAnswer = { name: string; at: string; result: unknown } | { name: string; at: string; error: { code: string; message: string } };

/** An update runLocally sends to the run, as POST /api/runs/:id/updates/:name would. */
export interface LocalUpdate {
  name: string;
  /** Its JSON argument (the API's `{ "arg": … }`); default null. */
  arg?: unknown;
  /** When, after the run starts (seconds or e.g. "5 minutes" of virtual time); default at once. */
  after?: Duration;
}

/** An update's answer: its result, or the API's error code and message (update_not_found, update_rejected, update_failed, run_not_active). */
export type LocalUpdateAnswer = { name: string; at: string; updateId: string; result: unknown } | { name: string; at: string; updateId?: string; error: { code: string; message: string } };

/** Options of `runLocally`. */
export interface LocalRunOptions {
  /** Answers each approval the run waits for; without it, an approval fails runLocally with UnansweredApprovalError. */
  approve?: (request: ApprovalAsk) => ApprovalAnswer | Promise<ApprovalAnswer>;
  /** Events sent to the run at virtual times; one sent before its waitForEvent is kept until the wait comes. */
  events?: LocalEvent[];
  /** Queries sent to the run at virtual times; their answers are in the result's `queries`, in the order they were answered. */
  queries?: LocalQuery[];
  /** Updates sent to the run at virtual times; their answers are in the result's `updates`, in the order they were answered. */
  updates?: LocalUpdate[];
  /** Cancels sent to the run (see LocalCancel), in list order. */
  cancels?: LocalCancel[];
  /** What `taskScript(path)` runs: a `script(...)` or a plain function of (args, context). */
  scripts?: Record<string, Script<never, unknown> | ((args: never, context: TaskContext) => unknown)>;
  /** What `taskFlow(path)` runs: a workflow (run as a child, on the same clock) or a plain function of the input. */
  flows?: Record<string, Workflow<never, unknown> | ((input: never) => unknown)>;
  /**
   * Replays the workflow from its log after every delivered outcome, and runs every
   * task attempt by replaying the log to it, as a consumer without a warm copy of the
   * run does. A workflow that is not replay-safe fails with the production
   * NonDeterminismError (or StuckRunError).
   */
  replayEveryStep?: boolean;
  /** Where the virtual clock starts (default: now). */
  startAt?: Date | number;
  /** Name shown as the run's `workflow` (default "local"). */
  name?: string;
  /** Most steps a run (with its children) may record before runLocally gives up, to stop endless loops (default MAX_RUN_STEPS, 100,000, the Worker's limit per run). */
  maxSteps?: number;
  /**
   * Real milliseconds running task or step code may go without any progress before it
   * is taken as hung and the virtual clock jumps to its attempt's timeout (default 500);
   * other timers meanwhile come at the wall clock's pace.
   */
  stallMs?: number;
}

/** One step as `GET /api/runs/:id` shows it, with virtual times, and what `GET /api/runs/:id/steps/:key` adds: its output and what its closure printed. */
export type LocalStep = StepView & { output: unknown; logs: LogLineView[] };

/** A finished in-memory run, shaped like `GET /api/runs/:id`. */
export interface LocalRun {
  id: string;
  workflow: string;
  kind: "workflow";
  /** `continued`: it ended by continueAsNew (seen only among `generations`). */
  status: "completed" | "failed" | "cancelled" | "continued";
  parentId: string | null;
  /** The run this one continued (continueAsNew), when it did. */
  continuedFrom?: string;
  /** The run this one continued as, when it did. */
  continuedAs?: string;
  /** On a chain's last run (what runLocally answers, and children that continued): every run of the chain, first to last. */
  generations?: LocalRun[];
  input: unknown;
  output: unknown;
  error: ErrorData | null;
  createdAt: string;
  updatedAt: string;
  steps: LocalStep[];
  /** What the body last published with setState() (null if it never did). */
  state: unknown;
  /** The answers to options.queries, in the order they were answered (the root run only; a query not due before the run ended has none). */
  queries: LocalQueryAnswer[];
  /** The answers to options.updates, in the order they were answered (the root run only). */
  updates: LocalUpdateAnswer[];
  /** Runs started by taskFlow with a workflow from `options.flows`, in start order (a child that continued as new: its chain's last run). */
  children: LocalRun[];
}
