// Reading a run's events: a page after a cursor over RPC, or a live WebSocket the run
// object accepts as hibernatable (run-streams.ts), which the API turns into
// Server-Sent Events. A layer of the run object between its start gate and its RPC surface.

import { isTerminal } from "baton-workflows/engine";
import { KeptValues } from "./kept-values.ts";
import { closeReader, EVENTS_PAGE_SIZE } from "./run-streams.ts";
import type { RunEvent } from "./run-events.ts";

/** A page of a run's events: those after the cursor asked for, where to go on from, and whether the run ended with these. */
export interface EventPage {
  events: RunEvent[];
  /** The id of the last event in the page (the cursor given when there is none). */
  cursor: number;
  /** The run ended and no event follows this page. */
  ended: boolean;
}

/** The run object's event readers. */
export abstract class Observable extends KeptValues {
  /** Up to `limit` events after id `after`, as EventPage JSON text; null when this object holds no run. */
  async events(after: number, limit: number): Promise<string | null> {
    const run = this.store.run();
    if (!run) return null;
    const events = this.store.events.after(after, Math.min(Math.max(limit, 1), EVENTS_PAGE_SIZE));
    const cursor = events.length > 0 ? events[events.length - 1]!.id : after;
    const page: EventPage = { events, cursor, ended: isTerminal(run.status) && cursor >= this.store.events.last() };
    return JSON.stringify(page);
  }

  /** `GET /events?after=N` with `Upgrade: websocket`: a live reader of the events after N. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/events" || request.headers.get("Upgrade") !== "websocket") return new Response("not found", { status: 404 });
    const after = Number(url.searchParams.get("after") ?? "0");
    return this.streams.accept(Number.isSafeInteger(after) && after >= 0 ? after : 0);
  }

  /** A reader's greeting: it is ready for what it missed. */
  override async webSocketMessage(socket: WebSocket): Promise<void> {
    this.streams.greeted(socket);
  }

  /** A reader hung up: close our side too (readers only listen). */
  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    closeReader(socket, code);
  }
}
