// What the run object's RPC methods take and answer: the contract between it and the
// API routes, the queue consumer, other run objects and the test helpers.

import type { ApprovalResult, SchemaIssue } from "baton-workflows";
import type { Json, LogEntry, PayloadRef, RunFacts, StepRecord } from "baton-workflows/engine";

export type { PayloadRef } from "baton-workflows/engine";
import type { StoredAttempt } from "./step-table.ts";
import type { RunSummary } from "./run-view.ts";
import type { HeldSends } from "../tasks/dispatch.ts";

export type { Decision } from "baton-workflows/engine";

/** What `start` needs to create a run. */
export interface StartRequest {
  id: string;
  workflow: string;
  input: Json | undefined;
  /** The input, kept in BATON_PAYLOADS under this run's prefix by the caller (then no `input`): the run object loads it. */
  inputRef?: PayloadRef | undefined;
  idempotencyKey: string | null;
  /** The origin of the start request, for approval links when BATON_PUBLIC_URL is unset. */
  origin: string | null;
  /** Set for a child run: the parent run and the flow step waiting for this one. */
  parent?: { id: string; key: string } | undefined;
  /** The caller's W3C traceparent, already checked (normalTraceparent): the run's trace is the caller's, its root span a child of the caller's span. */
  traceparent?: string | null | undefined;
  /** Set for a successor (continueAsNew): the run it continues, and its chain's first run. */
  continuedFrom?: { id: string; root: string } | undefined;
  /** Set for a restart: the run restarted, and the steps (and their attempts) the new run keeps. */
  restart?: { of: string; steps: StepRecord[]; attempts: StoredAttempt[]; attempt?: number | undefined } | undefined;
  /** A debounced run's start (ms): created queued, its body begins then (pending-start.ts). */
  startsAt?: number | null | undefined;
  /** Started by a batch start: the batch lists the run (at the answer's revision) with the other runs of its shard, and sends its first task messages with theirs; else the run object does both, listing the run before it answers. */
  batched?: boolean | undefined;
}

/** What `restart` needs: the new run's id, and where to restart from. */
export interface RestartRequest {
  id: string;
  /** The step to run again, and everything after it; default: the first step that did not complete. */
  fromStep?: string | undefined;
  idempotencyKey: string | null;
  origin: string | null;
}

/** What `restart` answers. */
export type RestartResult =
  | { status: "restarted"; created: boolean; run: RunSummary; fromStep: string | null; conflict?: boolean }
  /** The workflow's input schema no longer takes the run's input. */
  | { status: "invalid_input"; issues: SchemaIssue[] }
  | { status: "run_not_active"; run: RunSummary }
  | { status: "step_not_found" }
  | { status: "run_not_found" };

/** What `start` answers: the run, and whether this call created it; or, creating nothing, why its input does not fit the workflow's input schema. */
export type StartResult = { created: boolean; run: RunSummary; revision?: number; sends?: HeldSends[] | undefined; conflict?: boolean; invalid?: undefined } | { created: false; invalid: SchemaIssue[] };

/** What a consumer needs to run tasks of a run: the log entries changed after its cursor. */
export interface TaskContextData {
  workflow: string;
  /** The run's input; sent only with the whole log (cursor 0). */
  input?: Json | undefined;
  /** Instead of `input`: where the input is kept in BATON_PAYLOADS; the consumer loads it. */
  inputRef?: PayloadRef | undefined;
  /** When the run was created (ms), the body's clock before its first outcome; sent with the input. */
  startedAt?: number;
  /** What currentRun() answers in the run; sent with the input. */
  run?: RunFacts;
  /** Entries changed after the consumer's cursor, in the order they changed. */
  log: LogEntry[];
  /** The change number to send as `since` next time (or to logPage while `more`). */
  cursor: number;
  /** True when the log goes on past this page: fetch the rest with logPage(cursor). */
  more?: boolean;
  /** For each task asked about: whether this consumer runs it (the attempt is wanted, and its claim went to this consumer). */
  wanted: boolean[];
  /** The shortest heartbeat timeout (ms) of the wanted tasks: the consumer sends heartbeats well within it. */
  heartbeatMs?: number;
  /** The version of the workflow's code this run object runs it with; a consumer on other code hands the task back. */
  version: string | null;
  /** For each task asked about: the script it runs by path (no replay needed), or null; absent when none is a script. */
  scripts?: ({ path: string; args: Json | undefined; timeout: number } | null)[];
}

/** One task attempt a consumer holds a message for. */
export interface TaskRef {
  key: string;
  attempt: number;
  /**
   * Who claims the attempt: the id of the queue message carrying it, so the queue's own
   * redelivery of that message (after its consumer failed) takes the attempt again,
   * while another message for it (a re-send) finds it taken. Older consumers send none.
   */
  claimant?: string | undefined;
}

/** What the approval page shows. */
export interface ApprovalInfo {
  runId: string;
  /** The run's incarnation: a link must name it (null for a run created before incarnations, whose links name none). */
  incarnation: string | null;
  workflow: string;
  runStatus: string;
  status: string;
  to: string[];
  subject: string;
  message: string;
  /** The request's data as pretty-printed JSON, or null. */
  data: string | null;
  expiresAt: string;
  result: ApprovalResult | null;
}

/** What `decide` answers. */
export type DecideResult =
  | { status: "decided"; result: ApprovalResult }
  | { status: "already_decided"; result: ApprovalResult | null }
  | { status: "approval_not_found" }
  | { status: "run_not_active"; run: RunSummary }
  | { status: "run_not_found" };

/** What `sendEvent` answers: the wait it settled, or null when it was kept for a later one; or why it was refused. */
export type SendEventResult =
  /** `repeated`: an Idempotency-Key already used with the same event; nothing was delivered again. */
  | { status: "accepted"; deliveredTo: string | null; waitingFor: string[]; repeated?: true }
  | { status: "run_not_active"; run: RunSummary }
  /** No wait takes it and the inbox holds as much as it may: `message` names the limit. */
  | { status: "inbox_full"; message: string }
  /** The Idempotency-Key was used for another event (name or payload). */
  | { status: "idempotency_conflict" }
  | { status: "run_not_found" };

/** What `remove` answers; "busy" while the ended run still owes another run or the list a message. */
export type RemoveResult = { status: "removed" } | { status: "run_not_active"; run: RunSummary } | { status: "busy" } | { status: "run_not_found" };

/** What `cancel` answers; `paused`: a cancel with rollback of a paused run, refused. */
export type CancelResult =
  | { status: "cancelled"; run: RunSummary }
  | { status: "not_active"; run: RunSummary }
  | { status: "paused"; run: RunSummary }
  /** The run continued as new and its successor's start is still being tried: nothing runs yet to cancel. */
  | { status: "busy"; run: RunSummary }
  | { status: "not_found" };

/** How to cancel: `rollback` runs the rollbacks of the steps that completed before the run ends cancelled. */
export interface CancelOptions {
  rollback?: boolean | undefined;
}
