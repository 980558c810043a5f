// The all-runs stream's share of one run-list shard: each summary the shard takes in
// (a run created, its status changed, it ended) is also kept as a numbered feed entry,
// the newest FEED_KEPT of them, and pushed to the shard's hibernatable WebSocket
// readers, each with its filter and its cursor in the socket's attachment. The API
// merges the 16 shards' readers into one Server-Sent Events stream (event-stream.ts).

import { isTerminal, type RunStatus } from "baton-workflows/engine";
import { num, text } from "../runs/rows.ts";
import type { RunSummary } from "../runs/run-view.ts";

/** Feed entries a shard keeps: a reader resuming from further back starts at the oldest kept. */
export const FEED_KEPT = 1000;

/** Most readers of one shard's feed at once. */
export const MAX_FEED_READERS = 256;

/** A run-level event as a shard's feed holds it. */
export interface FeedEvent {
  seq: number;
  type: "run.created" | "run.status" | "run.ended";
  at: string;
  run: RunSummary;
}

/** What a reader wants, and the last entry it was sent. */
export interface FeedFilter {
  workflow?: string | undefined;
  statuses?: readonly RunStatus[] | undefined;
}

interface FeedReader extends FeedFilter {
  after: number;
  /** Sent anything only once it greeted: before, its other end may not be listening. */
  greeted: boolean;
}

/** One shard's feed and its readers. */
export class RunFeed {
  private readonly ctx: DurableObjectState;

  constructor(ctx: DurableObjectState) {
    this.ctx = ctx;
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL, summary TEXT NOT NULL)");
  }

  /** Keeps the change a summary brings (`created`: the shard had no entry for the run) and tells the readers. */
  append(summary: RunSummary, created: boolean): void {
    const type = created ? "run.created" : isTerminal(summary.status) ? "run.ended" : "run.status";
    const sql = this.ctx.storage.sql;
    const seq = num(sql.exec("INSERT INTO feed (at, type, summary) VALUES (?, ?, ?) RETURNING seq", Date.now(), type, JSON.stringify(summary)).one(), "seq");
    sql.exec("DELETE FROM feed WHERE seq <= ?", seq - FEED_KEPT);
    for (const socket of this.ctx.getWebSockets()) this.send(socket);
  }

  /** A reader of the entries after `after` (null: only what comes from now on). */
  accept(after: number | null, filter: FeedFilter): Response {
    if (this.ctx.getWebSockets().length >= MAX_FEED_READERS) return new Response("too many readers", { status: 429 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const from = after ?? num(this.ctx.storage.sql.exec("SELECT COALESCE(MAX(seq), 0) AS n FROM feed").one(), "n");
    server.serializeAttachment({ ...filter, after: from, greeted: false } satisfies FeedReader);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The reader's first message (sent once it accepted its end, so nothing sent before is lost): where it stands, and what it missed. */
  greeted(socket: WebSocket): void {
    const reader = socket.deserializeAttachment() as FeedReader | null;
    if (!reader || reader.greeted) return;
    socket.serializeAttachment({ ...reader, greeted: true } satisfies FeedReader);
    // The reader learns where it stands even when nothing matches yet, so its cursor is whole.
    socket.send(JSON.stringify({ cursor: reader.after }));
    this.send(socket);
  }

  private send(socket: WebSocket): void {
    const reader = socket.deserializeAttachment() as FeedReader | null;
    if (!reader?.greeted) return;
    const rows = this.ctx.storage.sql.exec("SELECT * FROM feed WHERE seq > ? ORDER BY seq", reader.after).toArray();
    if (rows.length === 0) return;
    const events: FeedEvent[] = [];
    for (const row of rows) {
      const run = JSON.parse(text(row, "summary")) as RunSummary;
      if (reader.workflow !== undefined && run.workflow !== reader.workflow) continue;
      if (reader.statuses !== undefined && !reader.statuses.includes(run.status)) continue;
      events.push({ seq: num(row, "seq"), type: text(row, "type") as FeedEvent["type"], at: new Date(num(row, "at")).toISOString(), run });
    }
    const cursor = num(rows[rows.length - 1]!, "seq");
    try {
      socket.send(JSON.stringify({ events, cursor }));
      socket.serializeAttachment({ ...reader, after: cursor } satisfies FeedReader);
    } catch {
      // Gone: the runtime closes it.
    }
  }
}
