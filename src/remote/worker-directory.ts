// Who serves what: the workers that registered (their queue, language, SDK, when last
// seen) and the workflows and scripts each serves with its version. One object for the
// deployment; workers re-register every few seconds as their presence, so it is read
// far more than written. A worker unseen for a week is forgotten with what it served.

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { num, text, textOrNull } from "../runs/rows.ts";

/** How long a worker unseen is remembered. */
const FORGET_MS = 7 * 24 * 3600_000;

/** A worker process as it introduced itself. */
export interface WorkerInfo {
  id: string;
  language: string;
  sdk: string;
  queue: string;
  host: string | null;
}

/** A workflow or script some worker serves. */
export interface RemoteEntry {
  name: string;
  kind: "workflow" | "script";
  language: string;
  queue: string;
  version: string;
  /** When a worker serving it was last seen (ms). */
  lastSeen: number;
}

/** A registered worker, as GET /api/workers shows it. */
export interface WorkerSeen extends WorkerInfo {
  firstSeen: number;
  lastSeen: number;
  workflows: number;
  scripts: number;
}

export class WorkerDirectory extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS workers (
      id TEXT PRIMARY KEY, language TEXT NOT NULL, sdk TEXT NOT NULL, queue TEXT NOT NULL, host TEXT,
      first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS entries (
      name TEXT NOT NULL, worker TEXT NOT NULL, kind TEXT NOT NULL, version TEXT NOT NULL,
      PRIMARY KEY (name, worker))`);
  }

  /** Records a worker's registration: what it serves now replaces what it served. */
  async register(worker: WorkerInfo, workflows: { name: string; version: string }[], scripts: { name: string; version: string }[]): Promise<void> {
    const now = Date.now();
    this.sql.exec(
      "INSERT INTO workers (id, language, sdk, queue, host, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET language = excluded.language, sdk = excluded.sdk, queue = excluded.queue, host = excluded.host, last_seen = excluded.last_seen",
      worker.id,
      worker.language,
      worker.sdk,
      worker.queue,
      worker.host,
      now,
      now,
    );
    this.sql.exec("DELETE FROM entries WHERE worker = ?", worker.id);
    for (const [kind, list] of [["workflow", workflows], ["script", scripts]] as const) {
      for (const entry of list) this.sql.exec("INSERT OR REPLACE INTO entries (name, worker, kind, version) VALUES (?, ?, ?, ?)", entry.name, worker.id, kind, entry.version);
    }
    // Forgotten: workers gone for a week, and what only they served.
    const stale = now - FORGET_MS;
    this.sql.exec("DELETE FROM entries WHERE worker IN (SELECT id FROM workers WHERE last_seen < ?)", stale);
    this.sql.exec("DELETE FROM workers WHERE last_seen < ?", stale);
  }

  /** Every workflow and script workers serve, by name (the most recently seen worker's version). */
  async catalog(): Promise<RemoteEntry[]> {
    const seen = new Map<string, RemoteEntry>();
    for (const entry of this.entries()) if (!seen.has(entry.name)) seen.set(entry.name, entry);
    return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The registered workers, most recently seen first. */
  async workers(): Promise<WorkerSeen[]> {
    return this.sql
      .exec(
        "SELECT w.*, (SELECT COUNT(*) FROM entries e WHERE e.worker = w.id AND e.kind = 'workflow') AS workflows, (SELECT COUNT(*) FROM entries e WHERE e.worker = w.id AND e.kind = 'script') AS scripts FROM workers w ORDER BY last_seen DESC",
      )
      .toArray()
      .map((row) => ({
        id: text(row, "id"),
        language: text(row, "language"),
        sdk: text(row, "sdk"),
        queue: text(row, "queue"),
        host: textOrNull(row, "host"),
        firstSeen: num(row, "first_seen"),
        lastSeen: num(row, "last_seen"),
        workflows: num(row, "workflows"),
        scripts: num(row, "scripts"),
      }));
  }

  private entries(): RemoteEntry[] {
    const rows = this.sql
      .exec("SELECT e.name, e.kind, e.version, w.language, w.queue, w.last_seen FROM entries e JOIN workers w ON w.id = e.worker ORDER BY w.last_seen DESC")
      .toArray();
    return rows.map((row) => ({
      name: text(row, "name"),
      kind: text(row, "kind") === "script" ? "script" : "workflow",
      language: text(row, "language"),
      queue: text(row, "queue"),
      version: text(row, "version"),
      lastSeen: num(row, "last_seen"),
    }));
  }
}
