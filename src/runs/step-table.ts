// A run's steps in its Durable Object's SQLite database: the run state machine's
// storage port. Every write takes the run's next change number, so a consumer can
// fetch the log entries changed since the last it saw; every write is synchronous.
// How a step is stored as a row is step-rows.ts; the finished attempts, attempt-rows.ts.

import type { AttemptFacts, ErrorData, Json, LeaseChange, LogEntry, LogLine, PayloadRef, ResolvedTaskOptions, StepChange, StepGuard, StepRecord, StepStatus, StepStorage, StepTally } from "baton-workflows/engine";
import { encodeJson, OPEN_STEP_STATUSES } from "baton-workflows/engine";
import { attemptHistory, attemptLogs, copyStoredAttempts, recordAttemptRow, storedAttempts, type StoredAttempt } from "./attempt-rows.ts";
import { num, numOrNull, oneOf, taskOptions, text, textOrNull, type Row } from "./rows.ts";
import type { AttemptView } from "./run-view.ts";
import type { EventInbox } from "./event-inbox.ts";
import type { RunEvents, StepHeadFacts } from "./run-events.ts";
import { assignments, HEAD_COLUMNS, KINDS, logEntryOf, OPEN, recordOf, STATUSES } from "./step-rows.ts";

export type { StoredAttempt } from "./attempt-rows.ts";

export class StepTable implements StepStorage {
  /** Options as parsed and checked, by their JSON text: a task's never change, and each attempt reads them often. */
  private readonly parsed = new Map<string, ResolvedTaskOptions>();
  /** The latest change number given to a step row. */
  private changes: number | undefined;
  /** The latest delivery place given. */
  private deliveries: number | undefined;
  /** Bytes of results and errors written (an error rewritten by a retry counts again: an upper bound). */
  private bytes: number | undefined;
  /** How many step rows there are. */
  private steps: number | undefined;
  private readonly sql: SqlStorage;
  private readonly cover: (at: number) => void;
  private readonly inbox: EventInbox;
  private readonly events: RunEvents;

  /**
   * `cover(at)` keeps the run's alarm at or before `at`, called with each write that makes
   * a step due then; events no wait took yet are kept in `inbox`; every write is told to `events`.
   */
  constructor(sql: SqlStorage, cover: (at: number) => void, inbox: EventInbox, events: RunEvents) {
    this.sql = sql;
    this.cover = cover;
    this.inbox = inbox;
    this.events = events;
  }

  step(key: string): StepRecord | undefined {
    const row = this.sql.exec("SELECT * FROM steps WHERE key = ?", key).toArray()[0];
    return row && this.recordOf(row);
  }

  /** The kind, name and attempt count of the step at `key`: what its events name it by. */
  private head(key: string): StepHeadFacts | undefined {
    const row = this.sql.exec("SELECT kind, name, attempts FROM steps WHERE key = ?", key).toArray()[0];
    return row && { kind: oneOf(row, "kind", KINDS), name: text(row, "name"), attempts: num(row, "attempts") };
  }

  insert(step: StepRecord): void {
    this.sql.exec(
      `INSERT INTO steps (key, branch, seq, kind, name, status, attempts, result, error, started_at, ended_at, attempt_started_at, wake_at, deadline,
         delivery, from_cache, options, approval, target, args, flow_workflow, flow_timeout, event_name, change_seq, result_ref)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      step.key,
      step.branch,
      step.seq,
      step.kind,
      step.name,
      step.status,
      step.attempts,
      encodeJson(step.result),
      step.error === undefined ? null : JSON.stringify(step.error),
      step.startedAt,
      step.endedAt,
      step.attemptStartedAt,
      step.wakeAt,
      step.deadline,
      step.delivery,
      step.fromCache ? 1 : 0,
      step.options === undefined ? null : JSON.stringify(step.options),
      step.approval === undefined ? null : JSON.stringify(step.approval),
      // A script's path, or a child run's id.
      step.script?.path ?? step.flow?.childId ?? null,
      step.script ? encodeJson(step.script.args) : step.flow ? encodeJson(step.flow.input) : null,
      step.flow?.workflow ?? null,
      step.flow?.timeout ?? null,
      step.event?.name ?? null,
      this.nextChange(),
      step.resultRef ? JSON.stringify(step.resultRef) : null,
    );
    if (this.bytes !== undefined) this.bytes += (encodeJson(step.result)?.length ?? 0) + (step.error === undefined ? 0 : JSON.stringify(step.error).length);
    // The run's cancel is no call: views and the step limit do not count it.
    if (this.steps !== undefined && step.kind !== "cancel") this.steps += 1;
    if (step.delivery) this.deliveries = Math.max(this.lastDelivery(), step.delivery);
    if (OPEN_STEP_STATUSES.includes(step.status)) this.covers(step);
    this.events.inserted(step);
  }

  /** Covers the wake time and deadline a write gave a step. */
  private covers(change: { wakeAt?: number | null | undefined; deadline?: number | null | undefined }): void {
    if (change.wakeAt !== undefined && change.wakeAt !== null) this.cover(change.wakeAt);
    if (change.deadline !== undefined && change.deadline !== null) this.cover(change.deadline);
  }

  update(key: string, guard: StepGuard, change: StepChange): boolean {
    const { sets, values, size } = assignments(change);
    const change_seq = (this.changes ?? this.cursor()) + 1;
    const where = `key = ? AND status IN (${guard.statuses.map(() => "?").join(", ")})${guard.attempt === undefined ? "" : " AND attempts = ?"}`;
    const written = this.sql.exec(
      `UPDATE steps SET ${[...sets, "change_seq = ?"].join(", ")} WHERE ${where}`,
      ...values,
      change_seq,
      key,
      ...guard.statuses,
      ...(guard.attempt === undefined ? [] : [guard.attempt]),
    ).rowsWritten;
    if (written === 0) return false;
    this.covers(change);
    this.changes = change_seq;
    if (this.bytes !== undefined) this.bytes += size;
    if (change.delivery) this.deliveries = Math.max(this.lastDelivery(), change.delivery);
    this.events.changed(key, change, () => this.head(key), size);
    return true;
  }

  lease(key: string, attempt: number, change: LeaseChange): boolean {
    const { sets, values } = assignments(change);
    if (sets.length === 0) return true;
    // No change number: a claim or heartbeat is not part of the log consumers replay.
    const written = this.sql.exec(`UPDATE steps SET ${sets.join(", ")} WHERE key = ? AND status = 'running' AND attempts = ?`, ...values, key, attempt).rowsWritten > 0;
    if (written) this.covers(change);
    if (written && change.claim) this.events.claimed(key, attempt);
    return written;
  }

  recordAttempt(key: string, attempt: number, endedAt: number, error: ErrorData | null, facts: AttemptFacts): void {
    recordAttemptRow(this.sql, key, attempt, endedAt, error, facts);
    this.events.attempted(key, attempt, endedAt, error, facts);
  }

  /** The finished attempts of `keys` as stored, to copy into a restarted run. */
  attemptsOf(keys: readonly string[]): StoredAttempt[] {
    return storedAttempts(this.sql, keys);
  }

  /** Stores attempts copied from another run (a restart's kept steps). */
  copyAttempts(attempts: readonly StoredAttempt[]): void {
    copyStoredAttempts(this.sql, attempts);
  }

  /** What the attempts of `key` printed, oldest first. */
  logs(key: string): LogLine[] {
    return attemptLogs(this.sql, key);
  }

  waitingForEvent(name: string): StepRecord | undefined {
    return this.records("kind = 'event' AND status = 'waiting' AND event_name = ? ORDER BY rowid LIMIT 1", name)[0];
  }

  keepEvent(name: string, payload: Json | undefined, at: number, ref?: PayloadRef): void {
    this.inbox.keep(name, payload, at, ref);
  }

  takeEvent(name: string): { payload: Json | undefined; at: number; ref?: PayloadRef | undefined } | undefined {
    return this.inbox.take(name, Date.now());
  }

  lastDelivery(): number {
    this.deliveries ??= num(this.sql.exec("SELECT COALESCE(MAX(delivery), 0) AS d FROM steps").one(), "d");
    return this.deliveries;
  }

  dueWakes(statuses: readonly StepStatus[], now: number): StepRecord[] {
    return this.records(`status IN (${statuses.map(() => "?").join(", ")}) AND wake_at <= ? ORDER BY wake_at, rowid`, ...statuses, now);
  }

  dueDeadlines(statuses: readonly StepStatus[], now: number): StepRecord[] {
    return this.records(`status IN (${statuses.map(() => "?").join(", ")}) AND deadline <= ? ORDER BY deadline, rowid`, ...statuses, now);
  }

  open(): StepRecord[] {
    return this.records(`status IN ${OPEN} ORDER BY rowid`);
  }

  nextDue(): number | null {
    const row = this.sql
      .exec(
        `SELECT MIN(t) AS t FROM (
           SELECT MIN(wake_at) AS t FROM steps WHERE status IN ('sleeping', 'waiting', 'retrying')
           UNION ALL SELECT MIN(deadline) FROM steps WHERE status IN ('running', 'queued'))`,
      )
      .one();
    return numOrNull(row, "t");
  }

  tally(): StepTally {
    const row = this.sql
      .exec(
        `SELECT COUNT(*) AS open, SUM(status IN ('running', 'retrying', 'queued') AND kind != 'flow') AS active,
           SUM(status = 'waiting' OR (kind = 'flow' AND status = 'running')) AS waiting,
           SUM(status = 'sleeping') AS sleeping, SUM(kind = 'flow' AND deadline IS NULL) AS children
         FROM steps WHERE status IN ${OPEN}`,
      )
      .one();
    return {
      open: num(row, "open"),
      active: numOrNull(row, "active") ?? 0,
      waiting: numOrNull(row, "waiting") ?? 0,
      sleeping: numOrNull(row, "sleeping") ?? 0,
      children: numOrNull(row, "children") ?? 0,
    };
  }

  /** For tests: makes every open step's wake or deadline at or before `until` due at `now`. */
  bringForward(until: number, now: number): void {
    this.sql.exec(
      `UPDATE steps SET wake_at = CASE WHEN wake_at <= ? THEN ? ELSE wake_at END, deadline = CASE WHEN deadline <= ? THEN ? ELSE deadline END WHERE status IN ${OPEN}`,
      until, now, until, now,
    );
  }

  /** The number of the latest change to the log. */
  cursor(): number {
    this.changes ??= num(this.sql.exec("SELECT COALESCE(MAX(change_seq), 0) AS c FROM steps").one(), "c");
    return this.changes;
  }

  /** The log entries changed after change number `since` (all of them for 0), in the order they changed. */
  log(since = 0): LogEntry[] {
    return this.logPage(since, Number.POSITIVE_INFINITY).log;
  }

  /**
   * The log entries changed after `since`, in the order they changed, up to about
   * `maxBytes` of results and errors (always at least one entry): a page a consumer
   * fetches without its answer outgrowing an RPC. `cursor` is where the next page
   * starts; `more` says whether there is one. A row changed while a consumer pages
   * moves to the end, so it is read again with its new content: pages stay consistent.
   */
  logPage(since: number, maxBytes: number): { log: LogEntry[]; cursor: number; more: boolean } {
    const log: LogEntry[] = [];
    let bytes = 0;
    let last = since;
    const rows = this.sql.exec(
      "SELECT key, branch, seq, kind, name, status, attempts, result, result_ref, error, delivery, ended_at, change_seq FROM steps WHERE change_seq > ? ORDER BY change_seq, rowid",
      since,
    );
    for (const row of rows) {
      const size = (textOrNull(row, "result")?.length ?? 0) + (textOrNull(row, "error")?.length ?? 0) + 200;
      if (log.length > 0 && bytes + size > maxBytes) return { log, cursor: last, more: true };
      bytes += size;
      last = num(row, "change_seq");
      log.push(logEntryOf(row));
    }
    return { log, cursor: Math.max(last, this.cursor()), more: false };
  }

  /** How many steps the run has (counted once, then kept up as steps are added: every new call asks). */
  count(): number {
    this.steps ??= num(this.sql.exec("SELECT COUNT(*) AS n FROM steps WHERE kind != 'cancel'").one(), "n");
    return this.steps;
  }

  /** Bytes of stored results and errors, the bulk of what a replay must read (counted once, then kept up as they are written). */
  logBytes(): number {
    this.bytes ??= num(this.sql.exec("SELECT COALESCE(SUM(COALESCE(length(result), 0) + COALESCE(length(error), 0)), 0) AS n FROM steps").one(), "n");
    return this.bytes;
  }

  /** `limit` steps from place `offset` in the order recorded, without their results or args: what views show. */
  heads(offset: number, limit: number): StepRecord[] {
    return this.sql
      .exec(`SELECT ${HEAD_COLUMNS} FROM steps WHERE kind != 'cancel' ORDER BY rowid LIMIT ? OFFSET ?`, limit, offset)
      .toArray()
      .map((row) => this.recordOf(row));
  }

  /** Every step, in the order recorded (the run's cancel among them), for a restart's plan. */
  all(): StepRecord[] {
    return this.records("1 = 1 ORDER BY rowid");
  }

  /** `limit` steps from place `offset` in the order recorded, for a page of a big run. */
  slice(offset: number, limit: number): StepRecord[] {
    return this.records("kind != 'cancel' ORDER BY rowid LIMIT ? OFFSET ?", limit, offset);
  }

  /** How many steps the run has in each status. */
  countByStatus(): Partial<Record<StepStatus, number>> {
    const counts: Partial<Record<StepStatus, number>> = {};
    for (const row of this.sql.exec("SELECT status, COUNT(*) AS n FROM steps WHERE kind != 'cancel' GROUP BY status").toArray()) counts[oneOf(row, "status", STATUSES)] = num(row, "n");
    return counts;
  }

  /** Steps in `status`, in the order recorded. */
  withStatus(status: StepStatus): StepRecord[] {
    return this.records("status = ? ORDER BY rowid", status);
  }

  /** The attempts of `key` that ended, oldest first. */
  history(key: string): AttemptView[] {
    return attemptHistory(this.sql, key);
  }

  private nextChange(): number {
    this.changes = this.cursor() + 1;
    return this.changes;
  }

  private records(where: string, ...bindings: SqlStorageValue[]): StepRecord[] {
    return this.sql
      .exec(`SELECT * FROM steps WHERE ${where}`, ...bindings)
      .toArray()
      .map((row) => this.recordOf(row));
  }

  private recordOf(row: Row): StepRecord {
    const stored = textOrNull(row, "options");
    let options = stored === null ? undefined : this.parsed.get(stored);
    if (stored !== null && !options) {
      options = taskOptions(row, "options");
      if (options) this.parsed.set(stored, options);
    }
    return recordOf(row, options);
  }
}
