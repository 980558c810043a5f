// Cached task results, for task(..., { cacheTtl, cacheKey }). One small SQLite-backed
// Durable Object per cache identity (workflow + task name + key), so no shared
// object becomes a hot spot and entries of different tasks never contend.

import { DurableObject } from "cloudflare:workers";
import { canonicalJson } from "baton-workflows/engine";
import { num, text, textOrNull } from "../runs/rows.ts";
import type { Env } from "../env.ts";

/** A cached result: its JSON text, where it came from, and until when it is good. */
export interface CachedResult {
  result: string | null;
  runId: string;
  key: string;
  expiresAt: number;
}

export class TaskCache extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS entry (id INTEGER PRIMARY KEY CHECK (id = 1), result TEXT, run_id TEXT NOT NULL, key TEXT NOT NULL, expires_at INTEGER NOT NULL)",
    );
  }

  /** The cached result if it has not expired. */
  async lookup(now: number): Promise<CachedResult | null> {
    const row = this.ctx.storage.sql.exec("SELECT result, run_id, key, expires_at FROM entry WHERE id = 1 AND expires_at > ?", now).toArray()[0];
    return row ? { result: textOrNull(row, "result"), runId: text(row, "run_id"), key: text(row, "key"), expiresAt: num(row, "expires_at") } : null;
  }

  /** Stores a result until `expiresAt`, replacing what was there; the alarm deletes it then. */
  async store(entry: CachedResult): Promise<void> {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO entry (id, result, run_id, key, expires_at) VALUES (1, ?, ?, ?, ?)",
      entry.result,
      entry.runId,
      entry.key,
      entry.expiresAt,
    );
    await this.ctx.storage.setAlarm(entry.expiresAt);
  }

  /** The entry's time is up: it goes, so an unused cache holds nothing. */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM entry WHERE expires_at <= ?", Date.now());
    const left = sql.exec("SELECT expires_at FROM entry WHERE id = 1").toArray()[0];
    if (left) await this.ctx.storage.setAlarm(num(left, "expires_at"));
  }

  /** For tests: how many entries this cache holds (0 or 1). */
  async size(): Promise<number> {
    return num(this.ctx.storage.sql.exec("SELECT COUNT(*) AS n FROM entry").one(), "n");
  }
}

/** The cache identity of a task: workflow, task name and the author's key, as one string. */
export function cacheIdentity(workflow: string, name: string, cacheKey: unknown): string {
  return canonicalJson([workflow, name, cacheKey ?? null]);
}
