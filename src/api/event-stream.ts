// Server-Sent Events from the run objects' and run-list shards' hibernatable
// WebSockets: `GET /api/runs/{id}/events` with `Accept: text/event-stream`, and
// `GET /api/runs/stream`. The Worker holds the client's connection; the objects hold
// only sockets and push when something happens, so an idle stream costs them nothing.
// A client that falls FRAMES_QUEUED frames behind is cut off and resumes by cursor.

import type { Context } from "hono";
import type { Env } from "../env.ts";
import type { RunEvent } from "../runs/run-events.ts";
import type { ReaderMessage } from "../runs/run-streams.ts";
import type { FeedEvent } from "../run-list/run-feed.ts";
import { INDEX_SHARDS, shards } from "../run-list/run-list.ts";
import { ApiError } from "./api-error.ts";
import { knownRun, runNotFound } from "./run-actions.ts";
import { EventsQuery, StreamQuery } from "./event-schemas.ts";
import { parse } from "./request-body.ts";

/** Frames a client may leave unread before its stream is cut off (it resumes with Last-Event-ID). */
export const FRAMES_QUEUED = 2000;

/** How often an idle stream sends a comment, so proxies keep it open. */
export const KEEPALIVE_MS = 15_000;

type AppContext = Context<{ Bindings: Env }>;

/** A Server-Sent Events answer, written frame by frame. */
class SseChannel {
  readonly response: Response;
  /** Called once when the stream ends, whoever ends it. */
  onClose: () => void = () => {};
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private closed = false;
  private readonly keepalive: ReturnType<typeof setInterval>;
  private readonly encoder = new TextEncoder();

  constructor() {
    const stream = new ReadableStream<Uint8Array>(
      { start: (controller) => void (this.controller = controller), cancel: () => this.close() },
      new CountQueuingStrategy({ highWaterMark: FRAMES_QUEUED }),
    );
    this.response = new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" } });
    this.keepalive = setInterval(() => this.raw(": keepalive\n\n"), KEEPALIVE_MS);
    // Reconnect soon after a break (a restart): the cursor makes the resume exact.
    this.raw("retry: 1000\n\n");
  }

  /** Sends one message; `id` becomes the client's Last-Event-ID. */
  send(data: string, fields: { id?: string; event?: string } = {}): void {
    let frame = "";
    if (fields.event) frame += `event: ${fields.event}\n`;
    if (fields.id !== undefined) frame += `id: ${fields.id}\n`;
    this.raw(`${frame}data: ${data}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    try {
      this.controller.close();
    } catch {
      // The client left first.
    }
    this.onClose();
  }

  private raw(text: string): void {
    if (this.closed) return;
    // Too far behind: end it rather than hold without bound; the client resumes where it was.
    if ((this.controller.desiredSize ?? 0) <= 0) return this.close();
    this.controller.enqueue(this.encoder.encode(text));
  }
}

/** Starts reading a socket `readerSocket` opened, once its listeners are set: the greeting asks the object for what the reader missed. */
function greet(socket: WebSocket): void {
  socket.accept();
  socket.send("hello");
}

/** Opens a WebSocket to a Durable Object that serves readers at `path` (greet() it once listening). */
async function readerSocket(stub: { fetch(request: Request): Promise<Response> }, path: string): Promise<{ socket: WebSocket } | { status: number }> {
  const answer = await stub.fetch(new Request(`https://object${path}`, { headers: { Upgrade: "websocket" } }));
  if (!answer.webSocket) return { status: answer.status };
  return { socket: answer.webSocket };
}

/** The cursor a stream resumes after: Last-Event-ID, else the query's `after`. */
function resumeCursor(c: AppContext, after: number | undefined): number {
  const last = c.req.header("Last-Event-ID");
  if (last === undefined || last === "") return after ?? 0;
  const id = Number(last);
  if (!Number.isSafeInteger(id) || id < 0) throw new ApiError(400, "invalid_request", `Last-Event-ID "${last}" is not an event id of this run; send the id of the last event you received`);
  return id;
}

/** `GET /api/runs/{id}/events`: a JSON page after a cursor, or a live stream with Accept: text/event-stream. */
export async function runEventsAnswer(c: AppContext): Promise<Response> {
  const query = parse(EventsQuery, c.req.query());
  const id = c.req.param("id") ?? "";
  const stub = await knownRun(c.env, id);
  if (!(c.req.header("Accept") ?? "").includes("text/event-stream")) {
    const page = await stub.events(query.after ?? 0, query.limit);
    if (page === null) throw runNotFound(id);
    return c.body(page, 200, { "content-type": "application/json; charset=UTF-8" });
  }
  return runEventStream(stub, id, resumeCursor(c, query.after));
}

/** The Server-Sent Events of run `id`'s events after `after`, until the run ends (the API's, and the console's run page). */
export async function runEventStream(stub: { fetch(request: Request): Promise<Response> }, id: string, after: number): Promise<Response> {
  const opened = await readerSocket(stub, `/events?after=${after}`);
  if ("status" in opened) {
    if (opened.status === 429) throw new ApiError(429, "too_many_readers", `run ${id} already serves its most live readers; read pages with GET /api/runs/${id}/events?after= instead`);
    throw runNotFound(id);
  }
  const { socket } = opened;
  const channel = new SseChannel();
  socket.addEventListener("message", (message) => {
    const read = JSON.parse(String(message.data)) as ReaderMessage;
    if ("events" in read) for (const event of read.events as RunEvent[]) channel.send(JSON.stringify(event), { id: String(event.id) });
    else {
      channel.send(JSON.stringify(read.end), { event: "end" });
      channel.close();
    }
  });
  // The run object went away (a restart, a deploy): the client reconnects with its Last-Event-ID.
  socket.addEventListener("close", () => channel.close());
  socket.addEventListener("error", () => channel.close());
  channel.onClose = () => closeQuietly(socket);
  greet(socket);
  return channel.response;
}

/** `GET /api/runs/stream`: every shard's run-level events, merged, with one cursor for all of them. */
export async function runStreamAnswer(c: AppContext): Promise<Response> {
  const query = parse(StreamQuery, c.req.query());
  const given = c.req.header("Last-Event-ID") || query.after || null;
  const cursors = given === null ? null : decodeStreamCursor(given);
  if (given !== null && cursors === null) throw new ApiError(400, "invalid_request", `"${given}" is not a cursor of this stream; send the id of the last event you received, or none to start from now`);
  return allRunsStream(c.env, { workflow: query.workflow, statuses: query.status }, cursors);
}

/** The all-runs stream (filtered) from `cursors` (null: from now): the API's, and the console's run list. */
export async function allRunsStream(env: Env, filters: { workflow?: string | undefined; statuses?: readonly string[] | undefined }, cursors: number[] | null): Promise<Response> {
  const filter = new URLSearchParams();
  if (filters.workflow !== undefined) filter.set("workflow", filters.workflow);
  if (filters.statuses !== undefined) filter.set("status", filters.statuses.join(","));
  const opened = await Promise.all(
    shards(env).map((stub, n) => {
      const params = new URLSearchParams(filter);
      if (cursors) params.set("after", String(cursors[n]));
      return readerSocket(stub, `/feed?${params}`);
    }),
  );
  const sockets = opened.flatMap((open) => ("socket" in open ? [open.socket] : []));
  if (sockets.length < opened.length) {
    sockets.forEach(closeQuietly);
    throw new ApiError(429, "too_many_readers", "the run list serves its most live readers of the all-runs stream; try again later");
  }
  const channel = new SseChannel();
  const known: number[] = cursors ?? Array.from({ length: INDEX_SHARDS }, () => 0);
  channel.onClose = () => sockets.forEach(closeQuietly);
  const reported = new Set<number>();
  sockets.forEach((socket, shard) => {
    socket.addEventListener("message", (message) => {
      const read = JSON.parse(String(message.data)) as { cursor: number; events?: FeedEvent[] };
      for (const event of read.events ?? []) {
        known[shard] = event.seq;
        const { seq: _seq, ...rest } = event;
        channel.send(JSON.stringify({ id: encodeStreamCursor(known), ...rest }), { id: encodeStreamCursor(known) });
      }
      known[shard] = read.cursor;
      // Every shard said where it stands: the client gets a cursor to resume from even before any event.
      if (!reported.has(shard) && reported.add(shard).size === INDEX_SHARDS) channel.send(JSON.stringify({ id: encodeStreamCursor(known) }), { id: encodeStreamCursor(known), event: "ready" });
    });
    socket.addEventListener("close", () => channel.close());
    socket.addEventListener("error", () => channel.close());
    greet(socket);
  });
  return channel.response;
}

/** The all-runs stream's cursor: where each shard's feed stands. */
function encodeStreamCursor(cursors: readonly number[]): string {
  return cursors.map((n) => n.toString(36)).join(".");
}

/** The shards' places a stream cursor holds; null when it is not one this API issued. */
export function decodeStreamCursor(cursor: string): number[] | null {
  const parts = cursor.split(".");
  if (parts.length !== INDEX_SHARDS) return null;
  const numbers = parts.map((part) => (/^[0-9a-z]{1,11}$/.test(part) ? parseInt(part, 36) : Number.NaN));
  return numbers.every((n) => Number.isSafeInteger(n) && n >= 0) ? numbers : null;
}

function closeQuietly(socket: WebSocket): void {
  try {
    socket.close(1000, "reader left");
  } catch {
    // Already closed.
  }
}
