// One shard of the list of runs, newest first, for `GET /api/runs` (run-list.ts spreads
// runs over the shards and merges them). A SQLite-backed Durable Object off every run's
// hot path: a run object tells it only when the run's status changes, never per step.

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { RUN_STATUSES } from "baton-workflows/engine";
import { num, text } from "../runs/rows.ts";
import type { RunPage, RunStatus, RunSummary } from "../runs/run-view.ts";
import { RunFeed } from "./run-feed.ts";
import { closeReader } from "../runs/run-streams.ts";

export type { RunPage } from "../runs/run-view.ts";

/** A shard's page: the runs, each with its revision (to prefer the newer of two copies), and a cursor when the shard has more. */
export interface IndexPage extends RunPage {
  revisions: number[];
}

/** Filters and paging of `list`; filters combine (all must hold). */
export interface RunQuery {
  workflow?: string | undefined;
  /** Any of these statuses. */
  status?: RunStatus | readonly RunStatus[] | undefined;
  /** Child runs of this run. */
  parentId?: string | undefined;
  /** Created at or after this time (ms). */
  createdAfter?: number | undefined;
  /** Created before this time (ms). */
  createdBefore?: number | undefined;
  limit: number;
  /** Resume after this position (created_at, id), as decoded from a cursor. */
  after?: { createdAt: number; id: string } | undefined;
}

export class RunIndex extends DurableObject<Env> {
  /** The all-runs stream's entries of this shard, and their readers. */
  private readonly feed: RunFeed;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.feed = new RunFeed(ctx);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        summary TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS runs_newest ON runs (created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at DESC, id DESC);
    `);
    // Added after the table shipped: the parent, filled in from each stored summary.
    const columns = ctx.storage.sql.exec("SELECT name FROM pragma_table_info('runs')").toArray().map((row) => text(row, "name"));
    if (!columns.includes("parent_id")) {
      ctx.storage.sql.exec(`
        ALTER TABLE runs ADD COLUMN parent_id TEXT;
        UPDATE runs SET parent_id = json_extract(summary, '$.parentId');
      `);
    }
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS removed (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, at INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_id, created_at DESC, id DESC) WHERE parent_id IS NOT NULL");
  }

  /** Records a run's summary unless a newer revision is already there (updates may arrive out of order). */
  async upsert(summary: RunSummary, revision: number): Promise<void> {
    // The run this id named was deleted; a new run under the same id (an Idempotency-Key reused) was created later.
    if (this.ctx.storage.sql.exec("SELECT 1 FROM removed WHERE id = ? AND created_at = ?", summary.id, Date.parse(summary.createdAt)).toArray().length > 0) return;
    const created = !(await this.has(summary.id));
    const written = this.ctx.storage.sql.exec(
      `INSERT INTO runs (id, workflow, status, created_at, revision, summary, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, revision = excluded.revision, summary = excluded.summary
       WHERE excluded.revision > runs.revision`,
      summary.id,
      summary.workflow,
      summary.status,
      Date.parse(summary.createdAt),
      revision,
      JSON.stringify(summary),
      summary.parentId,
    ).rowsWritten;
    if (written > 0) this.feed.append(summary, created);
  }

  /** Records many runs' summaries in one call (a batch start's runs of this shard), each as `upsert` would: one commit for them all. */
  async upsertMany(rows: readonly { summary: RunSummary; revision: number }[]): Promise<void> {
    for (const row of rows) await this.upsert(row.summary, row.revision);
  }

  /** `GET /feed?after=N&workflow=&status=a,b` with `Upgrade: websocket`: a reader of this shard's run-level events. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/feed" || request.headers.get("Upgrade") !== "websocket") return new Response("not found", { status: 404 });
    const after = url.searchParams.get("after");
    const statuses = url.searchParams.get("status")?.split(",").filter((status): status is RunStatus => RUN_STATUSES.includes(status as RunStatus));
    const cursor = after === null ? null : Number(after);
    return this.feed.accept(cursor !== null && Number.isSafeInteger(cursor) && cursor >= 0 ? cursor : null, { workflow: url.searchParams.get("workflow") ?? undefined, statuses });
  }

  /** A feed reader's greeting: it is ready for what it missed. */
  override async webSocketMessage(socket: WebSocket): Promise<void> {
    this.feed.greeted(socket);
  }

  /** A feed reader hung up. */
  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    closeReader(socket, code);
  }

  /** Whether the run `id` is listed here. */
  async has(id: string): Promise<boolean> {
    return this.ctx.storage.sql.exec("SELECT 1 FROM runs WHERE id = ?", id).toArray().length > 0;
  }

  /** Takes a deleted run off the list for good: a late update of it cannot bring it back. */
  async remove(id: string, createdAt: number): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec("DELETE FROM runs WHERE id = ?", id);
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO removed (id, created_at, at) VALUES (?, ?, ?)", id, createdAt, now);
    // A late update comes within seconds; a day of tombstones is plenty.
    this.ctx.storage.sql.exec("DELETE FROM removed WHERE at < ?", now - 24 * 60 * 60 * 1000);
  }

  /** Runs matching the query, newest first. */
  async list(query: RunQuery): Promise<IndexPage> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.workflow !== undefined) {
      where.push("workflow = ?");
      args.push(query.workflow);
    }
    const statuses = query.status === undefined ? [] : typeof query.status === "string" ? [query.status] : query.status;
    if (statuses.length > 0) {
      where.push(`status IN (${statuses.map(() => "?").join(", ")})`);
      args.push(...statuses);
    }
    if (query.parentId !== undefined) {
      where.push("parent_id = ?");
      args.push(query.parentId);
    }
    if (query.createdAfter !== undefined) {
      where.push("created_at >= ?");
      args.push(query.createdAfter);
    }
    if (query.createdBefore !== undefined) {
      where.push("created_at < ?");
      args.push(query.createdBefore);
    }
    if (query.after) {
      where.push("(created_at < ? OR (created_at = ? AND id < ?))");
      args.push(query.after.createdAt, query.after.createdAt, query.after.id);
    }
    const rows = this.ctx.storage.sql
      .exec(
        `SELECT id, created_at, summary, revision FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
        ...args,
        query.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      runs: page.map((row) => summaryFrom(JSON.parse(text(row, "summary")))),
      revisions: page.map((row) => num(row, "revision")),
      nextCursor: rows.length > query.limit && last ? encodeCursor(num(last, "created_at"), text(last, "id")) : null,
    };
  }
}

/** A stored summary, checked to be one: the fields every list entry has, a known status. */
function summaryFrom(value: unknown): RunSummary {
  const summary = value as Partial<RunSummary> | null;
  if (
    typeof summary !== "object" ||
    summary === null ||
    typeof summary.id !== "string" ||
    typeof summary.workflow !== "string" ||
    typeof summary.createdAt !== "string" ||
    !RUN_STATUSES.includes(summary.status as RunStatus)
  ) {
    throw new TypeError(`baton: the run index holds an entry that is not a run summary: ${JSON.stringify(value)}`);
  }
  return summary as RunSummary;
}

/** An opaque cursor for the position after (createdAt, id). */
export function encodeCursor(createdAt: number, id: string): string {
  return btoa(JSON.stringify([createdAt, id])).replace(/=+$/, "");
}

/** Reads a cursor; undefined when it is not one this API issued. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(value) && Number.isSafeInteger(value[0]) && typeof value[1] === "string") {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through: not a cursor of ours
  }
  return undefined;
}
