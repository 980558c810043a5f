// Concurrency limits across runs: task(..., { concurrency: { key, limit, window? } }).
// One SQLite-backed Durable Object per key holds leases. Without `window`, at most
// `limit` leases are live at once; with it, at most `limit` leases start per window
// seconds (a rate limit). Waiting tasks hold no Worker: the limiter calls their run
// object back when a slot frees, highest priority first, FIFO within a level. Leases
// expire, so a crashed consumer or a lost run object cannot leak a slot.

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { num, text } from "../runs/rows.ts";

/** One task attempt asking for a slot. */
export interface LeaseRequest {
  runId: string;
  key: string;
  attempt: number;
  priority: number;
  limit: number;
  /** Seconds of the rate window; absent for a plain concurrency limit. */
  window?: number | undefined;
  /** How long the lease lives unless released: the attempt's timeout and some grace. */
  leaseMs: number;
}

export class ConcurrencyLimiter extends DurableObject<Env> {
  /** How far a test moved this limiter's clock on (TestConcurrencyLimiter); 0 otherwise. */
  protected clockOffset = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS leases (run_id TEXT NOT NULL, key TEXT NOT NULL, attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (run_id, key));
      CREATE TABLE IF NOT EXISTS waiters (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, key TEXT NOT NULL,
        attempt INTEGER NOT NULL, priority INTEGER NOT NULL, lease_ms INTEGER NOT NULL, UNIQUE (run_id, key));
      CREATE TABLE IF NOT EXISTS starts (at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY CHECK (id = 1), lim INTEGER NOT NULL, win INTEGER);
    `);
  }

  /** Grants a slot now ("granted") or queues the request and calls back later ("queued"). */
  async acquire(request: LeaseRequest): Promise<"granted" | "queued"> {
    const sql = this.ctx.storage.sql;
    const now = this.now();
    sql.exec("INSERT OR REPLACE INTO config (id, lim, win) VALUES (1, ?, ?)", request.limit, request.window === undefined ? null : request.window * 1000);
    this.expire(now);
    const held = sql.exec("SELECT attempt FROM leases WHERE run_id = ? AND key = ?", request.runId, request.key).toArray()[0];
    if (held) {
      sql.exec("UPDATE leases SET attempt = ?, expires_at = ? WHERE run_id = ? AND key = ?", request.attempt, now + request.leaseMs, request.runId, request.key);
      return "granted";
    }
    const waiting = sql.exec("SELECT 1 FROM waiters").toArray().length > 0;
    if (!waiting && this.hasRoom(now)) {
      this.lease(request.runId, request.key, request.attempt, request.leaseMs, now);
      await this.arm();
      return "granted";
    }
    sql.exec(
      "INSERT INTO waiters (run_id, key, attempt, priority, lease_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET attempt = excluded.attempt, priority = excluded.priority",
      request.runId,
      request.key,
      request.attempt,
      request.priority,
      request.leaseMs,
    );
    await this.arm();
    return "queued";
  }

  /** Gives a slot back (the attempt reported, or its run ended) and grants the next waiter. */
  async release(runId: string, key: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM leases WHERE run_id = ? AND key = ?", runId, key);
    this.ctx.storage.sql.exec("DELETE FROM waiters WHERE run_id = ? AND key = ?", runId, key);
    await this.grantWaiting();
  }

  /** Expires leases past their time and grants waiters that now fit. */
  override async alarm(): Promise<void> {
    await this.grantWaiting();
  }

  protected async grantWaiting(): Promise<void> {
    const sql = this.ctx.storage.sql;
    for (;;) {
      const now = this.now();
      this.expire(now);
      if (!this.hasRoom(now)) break;
      const next = sql.exec("SELECT seq, run_id, key, attempt, lease_ms FROM waiters ORDER BY priority DESC, seq ASC LIMIT 1").toArray()[0];
      if (!next) break;
      sql.exec("DELETE FROM waiters WHERE seq = ?", num(next, "seq"));
      const runId = text(next, "run_id");
      const key = text(next, "key");
      const attempt = num(next, "attempt");
      this.lease(runId, key, attempt, num(next, "lease_ms"), now);
      try {
        const taken = await this.env.RUNS.get(this.env.RUNS.idFromName(runId)).granted(key, attempt);
        if (!taken) sql.exec("DELETE FROM leases WHERE run_id = ? AND key = ?", runId, key);
      } catch (error) {
        // The run object will ask again when its own watchdog fires; the lease expires meanwhile.
        console.error(`baton: could not hand a slot to run ${runId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await this.arm();
  }

  /** For tests: the rows this limiter holds (leases, waiters, starts, config). */
  async rows(): Promise<number> {
    const sql = this.ctx.storage.sql;
    return ["leases", "waiters", "starts", "config"].reduce((sum, table) => sum + Number(sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n), 0);
  }

  private now(): number {
    return Date.now() + this.clockOffset;
  }

  private hasRoom(now: number): boolean {
    const sql = this.ctx.storage.sql;
    const config = sql.exec("SELECT lim, win FROM config WHERE id = 1").toArray()[0];
    if (!config) return true;
    const limit = Number(config.lim);
    if (config.win !== null) {
      return Number(sql.exec("SELECT COUNT(*) AS n FROM starts WHERE at > ?", now - Number(config.win)).one().n) < limit;
    }
    return Number(sql.exec("SELECT COUNT(*) AS n FROM leases").one().n) < limit;
  }

  private lease(runId: string, key: string, attempt: number, leaseMs: number, now: number): void {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO leases (run_id, key, attempt, started_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      runId,
      key,
      attempt,
      now,
      now + leaseMs,
    );
    this.ctx.storage.sql.exec("INSERT INTO starts (at) VALUES (?)", now);
  }

  private expire(now: number): void {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM leases WHERE expires_at <= ?", now);
    const config = sql.exec("SELECT win FROM config WHERE id = 1").toArray()[0];
    const keep = config?.win === null || config === undefined ? 0 : Number(config.win);
    sql.exec("DELETE FROM starts WHERE at <= ?", now - keep);
  }

  /** The alarm wakes the limiter when a lease expires or a rate window opens a slot, if anyone waits. */
  private async arm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    if (sql.exec("SELECT 1 FROM waiters LIMIT 1").toArray().length === 0) {
      const leaseEnd = sql.exec("SELECT MIN(expires_at) AS t FROM leases").one().t;
      if (leaseEnd !== null) return this.ctx.storage.setAlarm(Number(leaseEnd) - this.clockOffset);
      // Idle: come back when the rate window has passed its last start, then hold nothing.
      const config = sql.exec("SELECT win FROM config WHERE id = 1").toArray()[0];
      const lastStart = sql.exec("SELECT MAX(at) AS t FROM starts").one().t;
      if (config && config.win !== null && lastStart !== null) return this.ctx.storage.setAlarm(Number(lastStart) + Number(config.win) + 1 - this.clockOffset);
      sql.exec("DELETE FROM starts");
      sql.exec("DELETE FROM config");
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const config = sql.exec("SELECT win FROM config WHERE id = 1").toArray()[0];
    const times: number[] = [];
    const leaseEnd = sql.exec("SELECT MIN(expires_at) AS t FROM leases").one().t;
    if (leaseEnd !== null) times.push(Number(leaseEnd));
    if (config && config.win !== null) {
      const oldest = sql.exec("SELECT MIN(at) AS t FROM starts").one().t;
      if (oldest !== null) times.push(Number(oldest) + Number(config.win) + 1);
    }
    if (times.length > 0) await this.ctx.storage.setAlarm(Math.min(...times) - this.clockOffset);
  }
}
