// The work waiting for workers on one queue (a Durable Object per queue name): task
// attempts and workflow activations that run objects enqueue, and the claims workers
// hold on them. A poll takes up to `max` items that nobody holds, or waits (in memory,
// never polling anything) until one is enqueued or a claim lapses. A claim lasts the
// lease; heartbeats extend it; one that lapses makes its item available again, so a
// worker killed mid-work loses nothing. Items are small references (run, kind, key,
// attempt): what to run is read from the run object when an item is handed out.

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { num, numOrNull, text, textOrNull } from "../runs/rows.ts";

/** How long a claim lasts without a heartbeat. */
export const LEASE_MS = 30_000;

/** An item of work: a run's task attempt, or its next activation (one slot per run). */
export interface WorkRef {
  /** `task:<run>:<key>:<attempt>` or `act:<run>`. */
  id: string;
  kind: "task" | "activation";
  runId: string;
  key?: string | undefined;
  attempt?: number | undefined;
}

/** An item handed to a worker, with the claim that answers for it. */
export interface ClaimedRef extends WorkRef {
  claim: string;
}

/** How busy the queue is, for GET /api/workers. */
export interface QueueLoad {
  waiting: number;
  inFlight: number;
  oldestWaitingAt: number | null;
}

export class WorkQueue extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Polls waiting for work: each is woken when an item may be available. */
  private waiters: (() => void)[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS items (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, run_id TEXT NOT NULL, key TEXT, attempt INTEGER,
        claim TEXT, lease_until INTEGER, again INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)`,
    );
  }

  /** Adds an item once; an activation asked for again while a worker holds it is offered again after that worker answers. */
  async enqueue(item: WorkRef): Promise<void> {
    this.add(item, Date.now());
    this.wake();
  }

  /** Adds several items, as `enqueue` does each. */
  async enqueueMany(items: WorkRef[]): Promise<void> {
    const now = Date.now();
    for (const item of items) this.add(item, now);
    this.wake();
  }

  /** Claims up to `max` items nobody holds, waiting up to `waitMs` for one. */
  async poll(max: number, waitMs: number): Promise<ClaimedRef[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const claimed = this.claim(max, Date.now());
      if (claimed.length > 0 || Date.now() >= deadline) return claimed;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, Math.min(deadline, this.nextLapse() ?? deadline) - Date.now()));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.push(done);
      });
    }
  }

  /** Extends a claim that is still this worker's; false when it lapsed and another took the item, or the item is gone. */
  async heartbeat(id: string, claim: string): Promise<boolean> {
    const row = this.sql.exec("SELECT claim FROM items WHERE id = ?", id).toArray()[0];
    if (!row || row.claim !== claim) return false;
    this.sql.exec("UPDATE items SET lease_until = ? WHERE id = ?", Date.now() + LEASE_MS, id);
    return true;
  }

  /** The claim's work is answered (or no longer wanted): the item goes, or is offered again when it was asked for meanwhile. */
  async done(id: string, claim: string): Promise<boolean> {
    const row = this.sql.exec("SELECT claim, again FROM items WHERE id = ?", id).toArray()[0];
    if (!row || row.claim !== claim) return false;
    if (num(row, "again") === 1) {
      this.sql.exec("UPDATE items SET claim = NULL, lease_until = NULL, again = 0 WHERE id = ?", id);
      this.wake();
    } else this.sql.exec("DELETE FROM items WHERE id = ?", id);
    return true;
  }

  /** Whether `claim` still holds item `id`. */
  async holds(id: string, claim: string): Promise<boolean> {
    const row = this.sql.exec("SELECT claim FROM items WHERE id = ?", id).toArray()[0];
    return row !== undefined && row.claim === claim;
  }

  /** Items waiting and held, for the workers page. */
  async load(): Promise<QueueLoad> {
    const now = Date.now();
    const row = this.sql
      .exec(
        "SELECT SUM(CASE WHEN claim IS NULL OR lease_until <= ? THEN 1 ELSE 0 END) AS waiting, SUM(CASE WHEN claim IS NOT NULL AND lease_until > ? THEN 1 ELSE 0 END) AS held, MIN(CASE WHEN claim IS NULL THEN created_at END) AS oldest FROM items",
        now,
        now,
      )
      .toArray()[0];
    return { waiting: (row && numOrNull(row, "waiting")) ?? 0, inFlight: (row && numOrNull(row, "held")) ?? 0, oldestWaitingAt: row ? numOrNull(row, "oldest") : null };
  }

  private add(item: WorkRef, now: number): void {
    const held = this.sql.exec("SELECT claim FROM items WHERE id = ?", item.id).toArray()[0];
    if (held) {
      if (held.claim !== null) this.sql.exec("UPDATE items SET again = 1 WHERE id = ?", item.id);
      return;
    }
    this.sql.exec("INSERT INTO items (id, kind, run_id, key, attempt, created_at) VALUES (?, ?, ?, ?, ?, ?)", item.id, item.kind, item.runId, item.key ?? null, item.attempt ?? null, now);
  }

  private claim(max: number, now: number): ClaimedRef[] {
    const rows = this.sql.exec("SELECT id, kind, run_id, key, attempt FROM items WHERE claim IS NULL OR lease_until <= ? ORDER BY created_at, id LIMIT ?", now, max).toArray();
    return rows.map((row) => {
      const claim = crypto.randomUUID();
      const id = text(row, "id");
      this.sql.exec("UPDATE items SET claim = ?, lease_until = ? WHERE id = ?", claim, now + LEASE_MS, id);
      const kind = text(row, "kind") === "task" ? "task" : "activation";
      return { id, kind, runId: text(row, "run_id"), key: textOrNull(row, "key") ?? undefined, attempt: numOrNull(row, "attempt") ?? undefined, claim };
    });
  }

  /** When the next claim lapses: a waiting poll looks again then. */
  private nextLapse(): number | null {
    const row = this.sql.exec("SELECT MIN(lease_until) AS at FROM items WHERE claim IS NOT NULL").toArray()[0];
    return row ? numOrNull(row, "at") : null;
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }
}
