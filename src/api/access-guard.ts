// The Durable Object that guards credentials: one object per client address counts its
// failed sign-ins and API tokens in a token bucket (5 free, then one more every 6 s:
// 10 a minute), and one object holds the console's open sessions, so signing out ends a
// session for good, copied cookies included. An address object deletes its storage once
// its bucket is full again; sessions past their expiry are dropped as others open.

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { num } from "../runs/rows.ts";

/** Failed attempts an address may make at once before it must wait. */
export const FREE_FAILURES = 5;
/** How long a failed attempt takes to be forgiven: 10 a minute once the free ones are spent. */
export const FAILURE_REFILL_MS = 6_000;

/** What a failed attempt came to: refused when the address had none left (its attempt should not have been tried). */
export interface Failure {
  refused: boolean;
  /** Seconds until the address may try again (0: it may now). */
  retryAfterS: number;
}

export class AccessGuard extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
  }

  /** Counts a failed attempt of this object's address at `now`. */
  async failed(now: number): Promise<Failure> {
    this.sql.exec("CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY CHECK (id = 0), tokens REAL NOT NULL, at INTEGER NOT NULL)");
    const row = this.sql.exec("SELECT tokens, at FROM bucket").toArray()[0];
    let tokens = row ? Math.min(FREE_FAILURES, num(row, "tokens") + (now - num(row, "at")) / FAILURE_REFILL_MS) : FREE_FAILURES;
    const refused = tokens < 1;
    if (!refused) tokens -= 1;
    this.sql.exec("INSERT OR REPLACE INTO bucket (id, tokens, at) VALUES (0, ?, ?)", tokens, now);
    // Full again by then: nothing left to remember.
    await this.ctx.storage.setAlarm(now + (FREE_FAILURES - tokens) * FAILURE_REFILL_MS);
    return { refused, retryAfterS: tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * FAILURE_REFILL_MS) / 1000) };
  }

  /** Records a console session that lasts until `until`. */
  async open(id: string, until: number, now: number): Promise<void> {
    this.sessions();
    this.sql.exec("DELETE FROM sessions WHERE until <= ?", now);
    this.sql.exec("INSERT OR REPLACE INTO sessions (id, until) VALUES (?, ?)", id, until);
  }

  /** True while the session `id` is open and unexpired. */
  async isOpen(id: string, now: number): Promise<boolean> {
    this.sessions();
    return this.sql.exec("SELECT 1 FROM sessions WHERE id = ? AND until > ?", id, now).toArray().length > 0;
  }

  /** Ends the session `id`: its cookie opens nothing from now on, wherever it was copied. */
  async close(id: string): Promise<void> {
    this.sessions();
    this.sql.exec("DELETE FROM sessions WHERE id = ?", id);
  }

  /** An address's bucket is full again: its object forgets it. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private sessions(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, until INTEGER NOT NULL)");
  }
}
