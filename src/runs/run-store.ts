// A run's durable state in its Durable Object's SQLite database: one `run` row and
// one `steps` row per checkpointed call. Every write is synchronous, so it is in
// storage before the run object tells the outside world anything.

import { type ErrorData, type NewCall, decodeJson, encodeJson, type Json, type LogEntry, type Outcome, type RunOutcome, type Settled, type StepKind, type StepStatus, type ApprovalRequest, DEFAULT_TASK_OPTIONS, type ResolvedTaskOptions } from "baton/engine";
import { TERMINAL_STATUSES, iso, type AttemptView, type EmailView, type RunDetail, type RunStatus, type RunSummary, type StepView } from "./run-view.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run (
  id TEXT PRIMARY KEY,
  workflow TEXT NOT NULL,
  input TEXT,
  status TEXT NOT NULL,
  output TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  idempotency_key TEXT,
  origin TEXT,
  revision INTEGER NOT NULL DEFAULT 1,
  indexed_revision INTEGER NOT NULL DEFAULT 0,
  index_retry_at INTEGER,
  kind TEXT NOT NULL DEFAULT 'workflow',
  parent_id TEXT,
  parent_key TEXT,
  version TEXT,
  worker_version TEXT
);
CREATE TABLE IF NOT EXISTS steps (
  key TEXT PRIMARY KEY,
  branch TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  result TEXT,
  error TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  wake_at INTEGER,
  deadline INTEGER,
  change_seq INTEGER NOT NULL,
  detail TEXT,
  from_cache INTEGER NOT NULL DEFAULT 0,
  attempt_started_at INTEGER,
  target TEXT,
  args TEXT,
  delivery INTEGER
);
CREATE TABLE IF NOT EXISTS attempts (
  key TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER NOT NULL,
  error TEXT,
  PRIMARY KEY (key, attempt)
);
CREATE TABLE IF NOT EXISTS emails (
  key TEXT NOT NULL,
  recipient TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER,
  last_error TEXT,
  sent_at INTEGER,
  PRIMARY KEY (key, recipient)
);
CREATE TABLE IF NOT EXISTS signals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  body TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS steps_open ON steps (status, kind);
CREATE INDEX IF NOT EXISTS steps_changes ON steps (change_seq);
`;

/**
 * Columns added after the tables were first shipped. Runs outlive deploys, so the
 * tables of a run created by older code get them in place when its object next
 * starts; every new column is nullable or has a default.
 */
const ADDED_COLUMNS: readonly (readonly [table: "run" | "steps", column: string, definition: string])[] = [
  ["run", "kind", "TEXT NOT NULL DEFAULT 'workflow'"],
  ["run", "parent_id", "TEXT"],
  ["run", "parent_key", "TEXT"],
  ["run", "version", "TEXT"],
  ["run", "worker_version", "TEXT"],
  ["steps", "target", "TEXT"],
  ["steps", "args", "TEXT"],
  ["steps", "delivery", "INTEGER"],
];

/**
 * Fills a column just added to an older run's table. Outcomes settled before the
 * delivery order was recorded get 0: replay hands them over when their call is made,
 * as the code that recorded them did.
 */
const BACKFILL: Readonly<Record<string, string>> = {
  "steps.delivery": "UPDATE steps SET delivery = 0 WHERE status IN ('completed', 'failed') AND kind <> 'patch'",
};

/** The fields of the run row the run object reads. */
export interface RunRow {
  id: string;
  workflow: string;
  input: Json | undefined;
  status: RunStatus;
  output: Json | undefined;
  error: ErrorData | null;
  createdAt: number;
  updatedAt: number;
  idempotencyKey: string | null;
  /** The origin the run was started on, for links back to this Worker. */
  origin: string | null;
  revision: number;
  indexedRevision: number;
  indexRetryAt: number | null;
  /** A workflow run, or a script run (one task). */
  kind: RunKind;
  /** The run that started this one with taskFlow, and the step that waits for it. */
  parentId: string | null;
  parentKey: string | null;
  /** The version (source hash) of the workflow or script when the run started. */
  version: string | null;
  /** The Worker version that started the run, when the version metadata binding is set. */
  workerVersion: string | null;
}

/** What a run runs. */
export type RunKind = "workflow" | "script";

/** A message to another run that must get there: sent after storage, retried until it does. */
export type Signal =
  | { kind: "start_child"; target: string; body: { workflow: string; input: Json | undefined; parentKey: string } }
  | { kind: "cancel_child"; target: string; body: Record<string, never> }
  | { kind: "notify_parent"; target: string; body: { key: string; end: RunOutcome } };

/** What a new run records besides its id and input. */
export interface NewRun {
  id: string;
  workflow: string;
  kind: RunKind;
  input: Json | undefined;
  idempotencyKey: string | null;
  origin: string | null;
  parentId: string | null;
  parentKey: string | null;
  version: string | null;
  workerVersion: string | null;
  now: number;
}

type Row = Record<string, SqlStorageValue>;

export class RunStore {
  private ready = false;
  /** The run row as last read; undefined until read and after every write to it. */
  private cached: RunRow | undefined;
  /** The latest change number given to a step row; consumers fetch changes after theirs. */
  private changes: number | undefined;
  /** The latest place given in the delivery order (how many outcomes were settled). */
  private deliveries: number | undefined;
  /** Options of tasks and steps, parsed once (see taskOptions). */
  private readonly options = new Map<string, ResolvedTaskOptions>();
  /** Whether any signal waits to be delivered; undefined until first asked. Most runs never have one. */
  private signalsPending: boolean | undefined;

  constructor(private readonly sql: SqlStorage) {}

  /** Creates the tables; only a run's start writes them, so reads of unknown runs change nothing. */
  private ensureSchema(): void {
    if (this.hasSchema()) return;
    this.sql.exec(SCHEMA);
    this.ready = true;
  }

  private hasSchema(): boolean {
    if (!this.ready) {
      this.ready = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run'").toArray().length > 0;
      if (this.ready) this.upgrade();
    }
    return this.ready;
  }

  /** Brings the tables of a run created by older code up to this code's schema (once per object start). */
  private upgrade(): void {
    this.sql.exec(SCHEMA);
    for (const table of ["run", "steps"] as const) {
      const have = new Set(this.sql.exec(`PRAGMA table_info(${table})`).toArray().map((row) => String(row.name)));
      for (const [owner, column, definition] of ADDED_COLUMNS) {
        if (owner !== table || have.has(column)) continue;
        this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
        const backfill = BACKFILL[`${table}.${column}`];
        if (backfill) this.sql.exec(backfill);
      }
    }
  }

  /** The run row, or undefined when this object holds no run. Read once, then kept until this store writes it. */
  run(): RunRow | undefined {
    this.cached ??= this.readRun();
    return this.cached;
  }

  private readRun(): RunRow | undefined {
    if (!this.hasSchema()) return undefined;
    const row = this.sql.exec("SELECT * FROM run LIMIT 1").toArray()[0];
    if (!row) return undefined;
    return {
      id: String(row.id),
      workflow: String(row.workflow),
      input: decodeJson(row.input as string | null),
      status: row.status as RunStatus,
      output: decodeJson(row.output as string | null),
      error: row.error === null ? null : (JSON.parse(String(row.error)) as ErrorData),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      idempotencyKey: row.idempotency_key as string | null,
      origin: row.origin as string | null,
      revision: Number(row.revision),
      indexedRevision: Number(row.indexed_revision),
      indexRetryAt: row.index_retry_at === null ? null : Number(row.index_retry_at),
      kind: row.kind as RunKind,
      parentId: row.parent_id as string | null,
      parentKey: row.parent_key as string | null,
      version: row.version as string | null,
      workerVersion: row.worker_version as string | null,
    };
  }

  /** Records a new run as queued. */
  create(run: NewRun): void {
    this.ensureSchema();
    this.sql.exec(
      `INSERT INTO run (id, workflow, input, status, created_at, updated_at, idempotency_key, origin, kind, parent_id, parent_key, version, worker_version)
       VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      run.id,
      run.workflow,
      encodeJson(run.input),
      run.now,
      run.now,
      run.idempotencyKey,
      run.origin,
      run.kind,
      run.parentId,
      run.parentKey,
      run.version,
      run.workerVersion,
    );
    this.cached = undefined;
  }

  /** Moves the run to `status`; a new revision tells the index to catch up. */
  setStatus(status: RunStatus, now: number): void {
    if (this.run()?.status === status) return;
    this.sql.exec("UPDATE run SET status = ?, updated_at = ?, revision = revision + 1", status, now);
    this.cached = undefined;
  }

  /** Records how the run ended. */
  end(end: RunOutcome, now: number): void {
    this.sql.exec(
      "UPDATE run SET status = ?, output = ?, error = ?, updated_at = ?, revision = revision + 1",
      end.status,
      end.status === "completed" ? encodeJson(end.output) : null,
      end.status === "failed" ? JSON.stringify(end.error) : null,
      now,
    );
    this.cached = undefined;
  }

  /** Notes that the index has seen `revision`, or when to try again. */
  markIndexed(revision: number | null, retryAt: number | null): void {
    if (revision !== null) this.sql.exec("UPDATE run SET indexed_revision = MAX(indexed_revision, ?), index_retry_at = NULL", revision);
    else this.sql.exec("UPDATE run SET index_retry_at = ?", retryAt);
    this.cached = undefined;
  }

  /** The number of the latest change to the log. */
  cursor(): number {
    this.changes ??= Number(this.sql.exec("SELECT COALESCE(MAX(change_seq), 0) AS c FROM steps").one().c);
    return this.changes;
  }

  private nextChange(): number {
    this.changes = this.cursor() + 1;
    return this.changes;
  }

  /** The place the next settled outcome takes in the order outcomes reach the body. */
  private nextDelivery(): number {
    this.deliveries ??= Number(this.sql.exec("SELECT COALESCE(MAX(delivery), 0) AS d FROM steps").one().d);
    return this.deliveries + 1;
  }

  /** Takes the delivery place handed out by the write that just succeeded. */
  private tookDelivery(delivery: number, key: string, at: number, outcome: Outcome): Settled {
    this.deliveries = delivery;
    return { key, delivery, at, outcome };
  }

  /** Runs a conditional update stamped with the next change number; true (and the number taken) if it wrote. */
  private changeIf(update: (change: number) => SqlStorageCursor<Record<string, SqlStorageValue>>): boolean {
    if (update(this.cursor() + 1).rowsWritten === 0) return false;
    this.nextChange();
    return true;
  }

  /** The log entries changed after change number `since` (all of them for 0), in the order they changed. */
  log(since = 0): LogEntry[] {
    return this.sql
      .exec("SELECT key, branch, seq, kind, name, status, attempts, result, error, delivery, ended_at FROM steps WHERE change_seq > ? ORDER BY change_seq, rowid", since)
      .toArray()
      .map((row) => ({
        key: String(row.key),
        branch: String(row.branch),
        seq: Number(row.seq),
        kind: row.kind as StepKind,
        name: String(row.name),
        status: row.status as StepStatus,
        attempts: Number(row.attempts),
        result: decodeJson(row.result as string | null),
        error: row.error === null ? undefined : (JSON.parse(String(row.error)) as ErrorData),
        delivery: row.delivery === null ? undefined : Number(row.delivery),
        at: row.ended_at === null ? undefined : Number(row.ended_at),
      }));
  }

  /** One step's row. */
  step(key: string): { kind: StepKind; status: StepStatus; attempts: number; script: boolean } | undefined {
    const row = this.sql.exec("SELECT kind, status, attempts, target FROM steps WHERE key = ?", key).toArray()[0];
    return row && { kind: row.kind as StepKind, status: row.status as StepStatus, attempts: Number(row.attempts), script: row.kind === "task" && row.target !== null };
  }

  /**
   * Records a call (or a step's new attempt) as started. `childId` names the run a
   * flow step starts; a `patch` marker is recorded already completed.
   */
  begin(call: NewCall, now: number, deadline: number | null, childId?: string): void {
    // Sleeps wake at their time; approvals time out at theirs.
    const waitSeconds = call.kind === "sleep" ? (call.seconds ?? 0) : call.approval?.timeout;
    const status = call.kind === "sleep" ? "sleeping" : call.kind === "approval" ? "waiting" : call.kind === "patch" ? "completed" : "running";
    const target = call.script?.path ?? childId ?? null;
    const args = call.script ? encodeJson(call.script.args) : call.flow ? encodeJson(call.flow.input) : null;
    const detail =
      call.approval !== undefined
        ? JSON.stringify(call.approval)
        : call.flow !== undefined
          ? JSON.stringify({ workflow: call.flow.path, timeout: call.flow.timeout })
          : call.options !== undefined
            ? JSON.stringify(call.options)
            : null;
    this.sql.exec(
      `INSERT INTO steps (key, branch, seq, kind, name, status, attempts, started_at, wake_at, deadline, change_seq, detail, attempt_started_at, target, args, result, ended_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, deadline = excluded.deadline,
         change_seq = excluded.change_seq, attempt_started_at = excluded.attempt_started_at`,
      call.key,
      call.branch,
      call.seq,
      call.kind,
      call.name,
      status,
      call.attempt,
      now,
      waitSeconds === undefined ? null : now + Math.round(waitSeconds * 1000),
      deadline,
      this.nextChange(),
      detail,
      now,
      target,
      args,
      call.kind === "patch" ? "true" : null,
      call.kind === "patch" ? now : null,
    );
  }

  /** The script a task runs, with its args and per-attempt timeout; undefined for other steps. */
  scriptCall(key: string): { path: string; args: Json | undefined; timeout: number } | undefined {
    const row = this.sql.exec("SELECT target, args FROM steps WHERE key = ? AND kind = 'task' AND target IS NOT NULL", key).toArray()[0];
    if (!row) return undefined;
    return { path: String(row.target), args: decodeJson(row.args as string | null), timeout: this.taskOptions(key).timeout };
  }

  /** A flow step: its status, the child run it started and the child's workflow. */
  flowStep(key: string): { status: StepStatus; childId: string; workflow: string } | undefined {
    const row = this.sql.exec("SELECT status, target, detail FROM steps WHERE key = ? AND kind = 'flow'", key).toArray()[0];
    if (!row) return undefined;
    return { status: row.status as StepStatus, childId: String(row.target), workflow: (JSON.parse(String(row.detail)) as { workflow: string }).workflow };
  }

  /** Child runs still open: the flow steps not yet settled. */
  openChildren(): { key: string; childId: string }[] {
    return this.sql
      .exec("SELECT key, target FROM steps WHERE kind = 'flow' AND status = 'running'")
      .toArray()
      .map((row) => ({ key: String(row.key), childId: String(row.target) }));
  }

  /** Records a signal to send; the next flush sends it, and the alarm retries it from `dueAt`. */
  queueSignal(signal: Signal, dueAt: number): void {
    this.ensureSchema();
    this.sql.exec("INSERT INTO signals (kind, target, body, due_at) VALUES (?, ?, ?, ?)", signal.kind, signal.target, JSON.stringify(signal.body), dueAt);
    this.signalsPending = true;
  }

  /** Every signal not yet delivered, oldest first. */
  pendingSignals(): (Signal & { id: number; dueAt: number; tries: number })[] {
    if (!this.hasSchema() || this.signalsPending === false) return [];
    const pending = this.sql
      .exec("SELECT id, kind, target, body, due_at, tries FROM signals ORDER BY id")
      .toArray()
      .map((row) => ({
        id: Number(row.id),
        kind: row.kind as Signal["kind"],
        target: String(row.target),
        body: JSON.parse(String(row.body)) as never,
        dueAt: Number(row.due_at),
        tries: Number(row.tries),
      }));
    this.signalsPending = pending.length > 0;
    return pending;
  }

  /** Forgets a delivered signal. */
  signalDelivered(id: number): void {
    this.sql.exec("DELETE FROM signals WHERE id = ?", id);
  }

  /** Notes a failed delivery and when to try again. */
  signalFailed(id: number, error: string, retryAt: number): void {
    this.sql.exec("UPDATE signals SET tries = tries + 1, last_error = ?, due_at = ? WHERE id = ?", error, retryAt, id);
  }

  /** When the next undelivered signal is due. */
  nextSignalAt(): number | null {
    if (!this.hasSchema() || this.signalsPending === false) return null;
    const next = nullableNumber(this.sql.exec("SELECT MIN(due_at) AS t FROM signals").one().t);
    this.signalsPending = next !== null;
    return next;
  }

  /** True when the run's open steps are all child flows with no deadline: only the children can move it on. */
  waitsOnlyForChildren(): boolean {
    const row = this.sql
      .exec(
        `SELECT COUNT(*) AS open, SUM(kind = 'flow' AND deadline IS NULL) AS children
         FROM steps WHERE status IN ('queued', 'running', 'retrying', 'sleeping', 'waiting')`,
      )
      .one();
    return Number(row.open) > 0 && Number(row.open) === Number(row.children ?? 0);
  }

  /**
   * Stores an outcome for the current attempt of an open step, giving it the next place
   * in the delivery order; null for a stale or duplicate one.
   */
  settle(key: string, attempt: number, outcome: Outcome, now: number): Settled | null {
    const delivery = this.nextDelivery();
    const changed = this.changeIf((change) =>
      this.sql.exec(
        `UPDATE steps SET status = ?, result = ?, error = ?, ended_at = ?, deadline = NULL, change_seq = ?, delivery = ?
         WHERE key = ? AND attempts = ? AND status IN ('running', 'sleeping', 'waiting')`,
        outcome.ok ? "completed" : "failed",
        outcome.ok ? encodeJson(outcome.value) : null,
        outcome.ok ? null : JSON.stringify(outcome.error),
        now,
        change,
        delivery,
        key,
        attempt,
      ),
    );
    if (!changed) return null;
    this.recordAttempt(key, attempt, now, outcome.ok ? null : outcome.error);
    return this.tookDelivery(delivery, key, now, outcome);
  }

  /** Adds a task's or step's finished attempt to its history. */
  private recordAttempt(key: string, attempt: number, now: number, error: ErrorData | null): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO attempts (key, attempt, started_at, ended_at, error)
       SELECT key, ?, attempt_started_at, ?, ? FROM steps WHERE key = ? AND kind IN ('task', 'step')`,
      attempt,
      now,
      error === null ? null : JSON.stringify(error),
      key,
    );
  }

  /** The attempts of `key` that ended, oldest first. */
  history(key: string): AttemptView[] {
    return this.sql
      .exec("SELECT attempt, started_at, ended_at, error FROM attempts WHERE key = ? ORDER BY attempt", key)
      .toArray()
      .map((row) => ({
        attempt: Number(row.attempt),
        startedAt: row.started_at === null ? null : iso(Number(row.started_at)),
        endedAt: iso(Number(row.ended_at)),
        error: row.error === null ? null : (JSON.parse(String(row.error)) as ErrorData),
      }));
  }

  /** Completes every sleep whose wake time has come, earliest first. */
  wakeSleeps(now: number): Settled[] {
    const due = this.sql
      .exec("SELECT key FROM steps WHERE status = 'sleeping' AND wake_at <= ? ORDER BY wake_at, rowid", now)
      .toArray()
      .map((row) => String(row.key));
    return due.flatMap((key) => this.settle(key, 1, { ok: true, value: undefined }, now) ?? []);
  }

  /** A task's name (part of its cache identity). */
  stepName(key: string): string {
    return String(this.sql.exec("SELECT name FROM steps WHERE key = ?", key).one().name);
  }

  /** Completes an open task with a result reused from the cache. */
  settleFromCache(key: string, attempt: number, result: string | null, now: number): Settled | null {
    const delivery = this.nextDelivery();
    const changed = this.changeIf((change) =>
      this.sql.exec(
        `UPDATE steps SET status = 'completed', result = ?, from_cache = 1, ended_at = ?, deadline = NULL, change_seq = ?, delivery = ?
         WHERE key = ? AND attempts = ? AND status = 'running'`,
        result,
        now,
        change,
        delivery,
        key,
        attempt,
      ),
    );
    return changed ? this.tookDelivery(delivery, key, now, { ok: true, value: decodeJson(result) }) : null;
  }

  /**
   * A task's or step's options as recorded when it began. They never change after
   * that, and each attempt reads them several times (cache, tag, slot, retry), so
   * they are parsed once and kept.
   */
  taskOptions(key: string): ResolvedTaskOptions {
    const known = this.options.get(key);
    if (known) return known;
    const row = this.sql.exec("SELECT detail FROM steps WHERE key = ? AND kind IN ('task', 'step')", key).toArray()[0];
    if (!row) return DEFAULT_TASK_OPTIONS;
    const options = row.detail ? (JSON.parse(String(row.detail)) as ResolvedTaskOptions) : DEFAULT_TASK_OPTIONS;
    this.options.set(key, options);
    return options;
  }

  /** Parks a failed attempt until its retry at `retryAt`, showing its error meanwhile; false if stale. */
  retryLater(key: string, attempt: number, retryAt: number, error: ErrorData, now: number): boolean {
    const changed = this.changeIf((change) =>
      this.sql.exec(
        `UPDATE steps SET status = 'retrying', wake_at = ?, error = ?, deadline = NULL, change_seq = ?
         WHERE key = ? AND attempts = ? AND status = 'running'`,
        retryAt,
        JSON.stringify(error),
        change,
        key,
        attempt,
      ),
    );
    if (!changed) return false;
    this.recordAttempt(key, attempt, now, error);
    return true;
  }

  /** Parks attempt `attempt` of a task until its concurrency limit grants a slot; `recheckAt` asks again. */
  queueForSlot(key: string, attempt: number, recheckAt: number): void {
    this.sql.exec(
      "UPDATE steps SET status = 'queued', attempts = ?, wake_at = NULL, deadline = ?, change_seq = ? WHERE key = ?",
      attempt,
      recheckAt,
      this.nextChange(),
      key,
    );
  }

  /** Starts a queued attempt that got its slot; false if it is no longer queued. */
  startFromQueue(key: string, attempt: number, deadline: number): boolean {
    const changed = this.changeIf((change) =>
      this.sql.exec(
        "UPDATE steps SET status = 'running', deadline = ?, change_seq = ?, attempt_started_at = ? WHERE key = ? AND attempts = ? AND status = 'queued'",
        deadline,
        change,
        Date.now(),
        key,
        attempt,
      ),
    );
    return changed;
  }

  /** Queued attempts whose time to ask their limiter again has come. */
  queuedOverdue(now: number): { key: string; attempts: number }[] {
    return this.sql
      .exec("SELECT key, attempts FROM steps WHERE status = 'queued' AND deadline <= ?", now)
      .toArray()
      .map((row) => ({ key: String(row.key), attempts: Number(row.attempts) }));
  }

  /** Keys of tasks not yet settled (queued, running or waiting to retry). */
  openTasks(): string[] {
    return this.sql
      .exec("SELECT key FROM steps WHERE kind = 'task' AND status IN ('queued', 'running', 'retrying')")
      .toArray()
      .map((row) => String(row.key));
  }

  /** Tasks and steps whose retry is due. */
  dueRetries(now: number): { key: string; kind: StepKind; attempts: number }[] {
    return this.sql
      .exec("SELECT key, kind, attempts FROM steps WHERE status = 'retrying' AND wake_at <= ?", now)
      .toArray()
      .map((row) => ({ key: String(row.key), kind: row.kind as StepKind, attempts: Number(row.attempts) }));
  }

  /** Marks an inline step parked for retry as running again; its next attempt records itself. */
  resumeStep(key: string, deadline: number): void {
    this.sql.exec("UPDATE steps SET status = 'running', wake_at = NULL, deadline = ?, change_seq = ? WHERE key = ? AND status = 'retrying'", deadline, this.nextChange(), key);
  }

  /** Starts attempt `attempt` of a task parked for retry. */
  startRetry(key: string, attempt: number, deadline: number): void {
    this.sql.exec(
      "UPDATE steps SET status = 'running', attempts = ?, wake_at = NULL, deadline = ?, change_seq = ?, attempt_started_at = ? WHERE key = ? AND status = 'retrying'",
      attempt,
      deadline,
      this.nextChange(),
      Date.now(),
      key,
    );
  }

  /** Approvals still waiting whose timeout has passed. */
  expiredApprovals(now: number): string[] {
    return this.sql
      .exec("SELECT key FROM steps WHERE status = 'waiting' AND wake_at <= ?", now)
      .toArray()
      .map((row) => String(row.key));
  }

  /** An open approval's request, or undefined when `key` is not an approval. */
  approval(key: string): { status: StepStatus; request: ApprovalRequest; wakeAt: number; result: unknown } | undefined {
    const row = this.sql.exec("SELECT status, detail, wake_at, result FROM steps WHERE key = ? AND kind = 'approval'", key).toArray()[0];
    if (!row) return undefined;
    return {
      status: row.status as StepStatus,
      request: JSON.parse(String(row.detail)) as ApprovalRequest,
      wakeAt: Number(row.wake_at),
      result: decodeJson(row.result as string | null),
    };
  }

  /** Approvals still waiting, oldest first. */
  waitingApprovals(): { key: string; request: ApprovalRequest; wakeAt: number }[] {
    return this.sql
      .exec("SELECT key, detail, wake_at FROM steps WHERE status = 'waiting' ORDER BY rowid")
      .toArray()
      .map((row) => ({ key: String(row.key), request: JSON.parse(String(row.detail)) as ApprovalRequest, wakeAt: Number(row.wake_at) }));
  }

  /**
   * Records that `key`'s approval email is to be sent to each recipient, before any
   * send. The first try comes with the next flush; `fallbackAt` is when the alarm
   * tries if that flush never happened.
   */
  queueEmails(key: string, recipients: string[], fallbackAt: number): void {
    for (const recipient of recipients) {
      this.sql.exec("INSERT OR IGNORE INTO emails (key, recipient, status, next_at) VALUES (?, ?, 'pending', ?)", key, recipient, fallbackAt);
    }
  }

  /** Emails to send now: never tried yet, or due again. */
  dueEmails(now: number): { key: string; recipient: string; attempts: number }[] {
    if (!this.hasSchema()) return [];
    return this.sql
      .exec("SELECT key, recipient, attempts FROM emails WHERE status = 'pending' AND (attempts = 0 OR next_at <= ?) ORDER BY rowid", now)
      .toArray()
      .map((row) => ({ key: String(row.key), recipient: String(row.recipient), attempts: Number(row.attempts) }));
  }

  /** Records a send's outcome: sent, to be tried again at `retryAt`, or given up (`retryAt` null). */
  emailAttempted(key: string, recipient: string, now: number, error: string | null, retryAt: number | null): void {
    if (error === null) {
      this.sql.exec("UPDATE emails SET status = 'sent', attempts = attempts + 1, sent_at = ?, next_at = NULL WHERE key = ? AND recipient = ?", now, key, recipient);
    } else {
      this.sql.exec(
        "UPDATE emails SET status = ?, attempts = attempts + 1, last_error = ?, next_at = ? WHERE key = ? AND recipient = ?",
        retryAt === null ? "failed" : "pending",
        error,
        retryAt,
        key,
        recipient,
      );
    }
  }

  /** Drops emails not yet sent for an approval that no longer waits. */
  skipEmails(key: string): void {
    this.sql.exec("UPDATE emails SET status = 'skipped', next_at = NULL WHERE key = ? AND status = 'pending'", key);
  }

  /** When the next email is due, if any is pending. */
  nextEmailAt(): number | null {
    if (!this.hasSchema()) return null;
    return nullableNumber(this.sql.exec("SELECT MIN(next_at) AS t FROM emails WHERE status = 'pending'").one().t);
  }

  /** The approval emails of `key`, for the run's views. */
  emails(key: string): EmailView[] {
    return this.sql
      .exec("SELECT recipient, status, attempts, last_error FROM emails WHERE key = ? ORDER BY rowid", key)
      .toArray()
      .map((row) => ({ to: String(row.recipient), status: String(row.status), attempts: Number(row.attempts), error: row.last_error as string | null }));
  }

  /**
   * Makes the earliest wait of the run due at `now` (a sleep's wake, a retry's wait,
   * an approval's timeout, a child flow's deadline), or the wait of step `key`; answers
   * the keys changed.
   */
  advanceWaits(now: number, key?: string): string[] {
    const waits = this.sql
      .exec(
        `SELECT key, wake_at AS due, 'wake' AS what FROM steps WHERE status IN ('sleeping', 'waiting', 'retrying') AND wake_at IS NOT NULL
         UNION ALL SELECT key, deadline, 'deadline' FROM steps WHERE kind = 'flow' AND status = 'running' AND deadline IS NOT NULL`,
      )
      .toArray()
      .map((row) => ({ key: String(row.key), due: Number(row.due), what: String(row.what) }))
      .filter((wait) => key === undefined || wait.key === key);
    const earliest = Math.min(...waits.map((wait) => wait.due));
    const chosen = key === undefined ? waits.filter((wait) => wait.due === earliest) : waits;
    for (const wait of chosen) {
      this.sql.exec(wait.what === "wake" ? "UPDATE steps SET wake_at = ? WHERE key = ?" : "UPDATE steps SET deadline = ? WHERE key = ?", Math.min(wait.due, now), wait.key);
    }
    return chosen.map((wait) => wait.key);
  }

  /** Open tasks, steps and child flows whose deadline has passed. */
  overdue(now: number): { key: string; kind: StepKind; attempts: number }[] {
    return this.sql
      .exec("SELECT key, kind, attempts FROM steps WHERE status = 'running' AND deadline <= ?", now)
      .toArray()
      .map((row) => ({ key: String(row.key), kind: row.kind as StepKind, attempts: Number(row.attempts) }));
  }

  /** Starts a new attempt of an open task or step with a new deadline. */
  retry(key: string, attempt: number, deadline: number): void {
    this.sql.exec("UPDATE steps SET attempts = ?, deadline = ?, change_seq = ? WHERE key = ?", attempt, deadline, this.nextChange(), key);
  }

  /** Moves the deadline of open steps, e.g. to re-send soon after a failed queue send. */
  setDeadline(keys: string[], deadline: number): void {
    for (const key of keys) this.sql.exec("UPDATE steps SET deadline = ? WHERE key = ? AND status = 'running'", deadline, key);
  }

  /** Marks every open step cancelled. */
  cancelOpen(now: number): void {
    this.sql.exec(
      "UPDATE steps SET status = 'cancelled', ended_at = ?, deadline = NULL WHERE status IN ('queued', 'running', 'retrying', 'sleeping', 'waiting')",
      now,
    );
  }

  /**
   * What the run is doing now: running while any task or step is open, else waiting
   * while an approval is, else sleeping while a sleep is.
   */
  liveStatus(): RunStatus {
    const row = this.sql
      .exec(
        `SELECT SUM(status IN ('running', 'retrying', 'queued')) AS running, SUM(status = 'waiting') AS waiting, SUM(status = 'sleeping') AS sleeping
         FROM steps WHERE status IN ('running', 'retrying', 'queued', 'waiting', 'sleeping')`,
      )
      .one();
    if (Number(row.running ?? 0) > 0) return "running";
    if (Number(row.waiting ?? 0) > 0) return "waiting";
    return Number(row.sleeping ?? 0) > 0 ? "sleeping" : "running";
  }

  /** The earliest sleep wake time, if any sleep is open. */
  nextWakeAt(): number | null {
    return nullableNumber(this.sql.exec("SELECT MIN(wake_at) AS t FROM steps WHERE status = 'sleeping'").one().t);
  }

  /** The earliest moment the alarm must fire for open work: a wake time or a deadline. */
  nextDue(): number | null {
    const row = this.sql
      .exec(
        `SELECT MIN(t) AS t FROM (
           SELECT MIN(wake_at) AS t FROM steps WHERE status IN ('sleeping', 'waiting', 'retrying')
           UNION ALL SELECT MIN(deadline) FROM steps WHERE status IN ('running', 'queued'))`,
      )
      .one();
    return nullableNumber(row.t);
  }

  /** The run as lists show it. */
  summary(run: RunRow): RunSummary {
    const summary: RunSummary = {
      id: run.id,
      workflow: run.workflow,
      kind: run.kind,
      status: run.status,
      parentId: run.parentId,
      createdAt: iso(run.createdAt),
      updatedAt: iso(run.updatedAt),
    };
    const wakeAt = run.status === "sleeping" ? this.nextWakeAt() : null;
    if (wakeAt !== null) summary.wakeAt = iso(wakeAt);
    return summary;
  }

  /** The run with its steps, for `GET /api/runs/:id`. */
  detail(run: RunRow): RunDetail {
    const steps = this.sql
      .exec("SELECT key, kind, name, status, attempts, error, started_at, ended_at, wake_at, from_cache, target FROM steps ORDER BY rowid")
      .toArray()
      .map(stepView);
    for (const step of steps) {
      if (step.kind === "approval") step.emails = this.emails(step.key);
      // Attempt by attempt, once there is more than one to tell apart or one failed.
      if ((step.kind === "task" || step.kind === "step") && (step.attempts > 1 || step.status === "failed" || step.status === "retrying")) {
        step.history = this.history(step.key);
      }
    }
    const approvals = this.waitingApprovals().map(({ key, request, wakeAt }) => ({
      key,
      to: request.to,
      message: request.message,
      expiresAt: iso(wakeAt),
      approveUrl: null,
      rejectUrl: null,
      emails: this.emails(key),
    }));
    return {
      ...this.summary(run),
      version: run.version,
      workerVersion: run.workerVersion,
      approvals,
      input: run.input ?? null,
      output: run.output ?? null,
      error: run.error,
      steps,
    };
  }
}

function stepView(row: Row): StepView {
  const view: StepView = {
    key: String(row.key),
    kind: row.kind as StepKind,
    name: String(row.name),
    status: row.status as StepStatus,
    attempts: Number(row.attempts),
    startedAt: iso(Number(row.started_at)),
    endedAt: row.ended_at === null ? null : iso(Number(row.ended_at)),
    error: row.error === null ? null : (JSON.parse(String(row.error)) as ErrorData),
  };
  if (row.wake_at !== null) view.wakeAt = iso(Number(row.wake_at));
  if (Number(row.from_cache) === 1) view.cached = true;
  if (view.kind === "flow" && row.target !== null) view.childId = String(row.target);
  if (view.kind === "task" && row.target !== null) view.script = String(row.target);
  return view;
}

function nullableNumber(value: SqlStorageValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** True once a run can no longer change. */
export const isTerminal = (status: RunStatus): boolean => TERMINAL_STATUSES.has(status);
