// Live readers of a run's events: hibernatable WebSockets accepted by the run object,
// each with the id of the last event it was sent in its attachment. The run object pushes
// what is new after each event it handles; between events it holds nothing but the
// sockets, and can be evicted with them open (the runtime wakes it with them). A reader
// whose connection broke (a restart) resumes by cursor: the events are in storage.

import { isTerminal } from "baton-workflows/engine";
import type { RunEvent } from "./run-events.ts";
import type { RunStore } from "./run-store.ts";

/** Most readers one run serves at once; the next is refused with 429. */
export const MAX_RUN_READERS = 64;

/** Events in one message to a reader (and in one JSON page). */
export const EVENTS_PAGE_SIZE = 500;

/** What a reader's socket remembers across hibernation: the last event id it was sent, and whether it greeted (only then is it sent anything). */
interface Reader {
  after: number;
  greeted: boolean;
}

/** What a reader is sent: a page of events, or the end once the run ended and every event went out. */
export type ReaderMessage = { events: RunEvent[] } | { end: { status: string } };

/** A reader hung up: close our end too (readers only listen). */
export function closeReader(socket: WebSocket, code: number): void {
  try {
    socket.close(code === 1005 ? 1000 : code, "closed");
  } catch {
    // Already closed.
  }
}

/** The run object's readers. */
export class RunStreams {
  private readonly ctx: DurableObjectState;
  private readonly store: () => RunStore;

  constructor(ctx: DurableObjectState, store: () => RunStore) {
    this.ctx = ctx;
    this.store = store;
  }

  /** Accepts a reader that has seen the events up to `after`, and sends it what it has not. */
  accept(after: number): Response {
    if (!this.store().run()) return new Response("no run", { status: 404 });
    if (this.ctx.getWebSockets().length >= MAX_RUN_READERS) return new Response(`this run has ${MAX_RUN_READERS} readers, the most it serves at once`, { status: 429 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ after, greeted: false } satisfies Reader);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The reader's first message, once it accepted its end (what is sent before may be lost): it gets what it missed. */
  greeted(socket: WebSocket): void {
    const reader = socket.deserializeAttachment() as Reader | null;
    if (!reader || reader.greeted) return;
    socket.serializeAttachment({ ...reader, greeted: true } satisfies Reader);
    this.send(socket);
  }

  /** Sends every reader the events it has not seen; ends readers of an ended run once they have all. */
  push(): void {
    for (const socket of this.ctx.getWebSockets()) this.send(socket);
  }

  /** Closes every reader (the run was erased). */
  closeAll(): void {
    for (const socket of this.ctx.getWebSockets()) socket.close(1000, "run removed");
  }

  private send(socket: WebSocket): void {
    const store = this.store();
    const reader = socket.deserializeAttachment() as Reader | null;
    // Not greeted yet: its other end may not be listening, and what it misses now it gets on its greeting.
    if (!reader?.greeted) return;
    let after = reader.after;
    try {
      for (;;) {
        const events = store.events.after(after, EVENTS_PAGE_SIZE);
        if (events.length === 0) break;
        socket.send(JSON.stringify({ events } satisfies ReaderMessage));
        after = events[events.length - 1]!.id;
        if (events.length < EVENTS_PAGE_SIZE) break;
      }
      socket.serializeAttachment({ after, greeted: true } satisfies Reader);
      const run = store.run();
      if (run && isTerminal(run.status)) {
        socket.send(JSON.stringify({ end: { status: run.status } } satisfies ReaderMessage));
        socket.close(1000, "run ended");
      }
    } catch {
      // A reader that went away: the runtime tells webSocketClose; nothing to keep.
    }
  }
}
