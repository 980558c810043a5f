// Messages to other run objects that must arrive (start a child, cancel one, tell a
// parent its child ended, a body's sendEvent, hand a body's activation to its workers' queue), in the run object's SQLite database: written with the change
// that causes them, sent after, retried until delivered.

import type { Json, RunOutcome } from "baton-workflows/engine";
import type { WorkRef } from "../remote/work-queue.ts";
import type { SendBody } from "./run-messages.ts";
import type { SuccessorBody } from "./continue-as-new.ts";
import { num, oneOf, text, type Row } from "./rows.ts";

/** A message to another run that must get there: sent after storage, retried until it does. */
export type Signal =
  | { kind: "start_child"; target: string; body: { workflow: string; input: Json | undefined; parentKey: string } }
  | { kind: "cancel_child"; target: string; body: Record<string, never> }
  /** `childId`: the id the parent's flow step knows (a chain's first run); absent in signals queued before continueAsNew. */
  | { kind: "notify_parent"; target: string; body: { key: string; end: RunOutcome; childId?: string } }
  /** continueAsNew: start the successor `target` (continue-as-new.ts). */
  | { kind: "start_successor"; target: string; body: SuccessorBody }
  /** A body's sendEvent: its answer settles the send step `key` (run-messages.ts). */
  | { kind: "send_event"; target: string; body: SendBody }
  /** Work for workers you run: `target` is `queue:<name>`, the body the item (an activation of this run). */
  | { kind: "enqueue_work"; target: string; body: WorkRef };

/** A signal waiting to be delivered. */
export type PendingSignal = Signal & { id: number; dueAt: number; tries: number };

const KINDS: readonly Signal["kind"][] = ["start_child", "cancel_child", "notify_parent", "send_event", "enqueue_work", "start_successor"];

export class SignalTable {
  /** Whether any signal waits; undefined until first asked. Most runs never have one. */
  private pending: boolean | undefined;
  private readonly sql: SqlStorage;
  private readonly exists: () => boolean;
  private readonly cover: (at: number) => void;

  /** `cover(at)` keeps the run's alarm at or before a signal's due time, in the write that sets it. */
  constructor(sql: SqlStorage, exists: () => boolean, cover: (at: number) => void) {
    this.sql = sql;
    this.exists = exists;
    this.cover = cover;
  }

  /** Records a signal to send; the next flush sends it, and the alarm retries it from `dueAt`. */
  queue(signal: Signal, dueAt: number): void {
    this.sql.exec("INSERT INTO signals (kind, target, body, due_at) VALUES (?, ?, ?, ?)", signal.kind, signal.target, JSON.stringify(signal.body), dueAt);
    this.pending = true;
    this.cover(dueAt);
  }

  /** Every signal not yet delivered, oldest first. */
  undelivered(): PendingSignal[] {
    if (!this.exists() || this.pending === false) return [];
    const rows = this.sql.exec("SELECT id, kind, target, body, due_at, tries FROM signals ORDER BY id").toArray().map(signalOf);
    this.pending = rows.length > 0;
    return rows;
  }

  /** Forgets a delivered signal. */
  delivered(id: number): void {
    this.sql.exec("DELETE FROM signals WHERE id = ?", id);
  }

  /** Notes a failed delivery and when to try again. */
  failed(id: number, error: string, retryAt: number): void {
    this.sql.exec("UPDATE signals SET tries = tries + 1, last_error = ?, due_at = ? WHERE id = ?", error, retryAt, id);
    this.cover(retryAt);
  }

  /** True when a signal of this kind to this target, with this body, waits to be sent. */
  waiting(kind: Signal["kind"], target: string, body: unknown): boolean {
    if (!this.exists() || this.pending === false) return false;
    return this.sql.exec("SELECT 1 FROM signals WHERE kind = ? AND target = ? AND body = ? LIMIT 1", kind, target, JSON.stringify(body)).toArray().length > 0;
  }

  /** Makes every undelivered signal due at `now` (a test's control). */
  hasten(now: number): void {
    this.sql.exec("UPDATE signals SET due_at = ?", now);
  }

  /** For tests: makes every signal due at or before `until` due at `now`. */
  bringForward(until: number, now: number): void {
    if (this.exists()) this.sql.exec("UPDATE signals SET due_at = ? WHERE due_at <= ?", now, until);
  }

  /** When the next undelivered signal is due. */
  nextAt(): number | null {
    if (!this.exists() || this.pending === false) return null;
    const value = this.sql.exec("SELECT MIN(due_at) AS t FROM signals").one().t;
    const next = value === null || value === undefined ? null : Number(value);
    this.pending = next !== null;
    return next;
  }
}

/** A signals row, its body as the kind it names. */
function signalOf(row: Row): PendingSignal {
  const base = { id: num(row, "id"), target: text(row, "target"), dueAt: num(row, "due_at"), tries: num(row, "tries") };
  const kind = oneOf(row, "kind", KINDS);
  // The body was written from the same Signal type by queue(); its kind says which.
  const body = JSON.parse(text(row, "body")) as never;
  return { ...base, kind, body } as PendingSignal;
}
