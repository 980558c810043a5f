// A run's inbox: events sent before any wait for their name, kept (first in, first out
// per name) until a wait takes them, bounded in count, bytes and age; and the
// Idempotency-Keys of the events the run accepted, so a retried send is answered as the
// first was and delivered once. Both live in the run object's SQLite database.

import { encodeJson, type Json, type PayloadRef } from "baton-workflows/engine";
import { json, num, textOrNull } from "./rows.ts";
import { refIn } from "../payloads/payload-rows.ts";

/** Most events one run keeps waiting for a wait. */
export const MAX_INBOX_EVENTS = 1000;
/** Most bytes of payloads one run keeps waiting for a wait. */
export const MAX_INBOX_BYTES = 8 * 1024 * 1024;
/** How long a kept event waits for a wait before it is dropped. */
export const INBOX_EVENT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** A kept event as the run's detail lists it. */
export interface KeptEvent {
  name: string;
  /** Bytes of its JSON payload. */
  size: number;
  sentAt: number;
  expiresAt: number;
}

/** What an accepted event's Idempotency-Key recorded: the request's fingerprint and the answer. */
export interface SentEvent {
  fingerprint: string;
  deliveredTo: string | null;
}

export class EventInbox {
  private readonly sql: SqlStorage;
  private readonly exists: () => boolean;

  /** `exists` says whether the run's tables are there (reads of an unknown run change nothing). */
  constructor(sql: SqlStorage, exists: () => boolean) {
    this.sql = sql;
    this.exists = exists;
  }

  /** Keeps an event for the first wait for `name` to come. */
  keep(name: string, payload: Json | undefined, at: number, ref?: PayloadRef): void {
    this.sql.exec("INSERT INTO events (name, payload, received_at, payload_ref) VALUES (?, ?, ?, ?)", name, ref ? null : encodeJson(payload), at, ref ? JSON.stringify(ref) : null);
  }

  /** Takes the oldest kept event named `name` that has not expired; dropped ones are gone first. */
  take(name: string, now: number): { payload: Json | undefined; at: number; ref?: PayloadRef | undefined } | undefined {
    this.expire(now);
    const row = this.sql.exec("SELECT id, payload, received_at, payload_ref FROM events WHERE name = ? ORDER BY id LIMIT 1", name).toArray()[0];
    if (!row) return undefined;
    this.sql.exec("DELETE FROM events WHERE id = ?", num(row, "id"));
    // A payload kept in BATON_PAYLOADS comes by reference, loaded when the body receives it.
    return { payload: json(row, "payload"), at: num(row, "received_at"), ref: refIn(row, "payload_ref") ?? undefined };
  }

  /** The events kept and not expired, oldest first. */
  list(now: number): KeptEvent[] {
    if (!this.exists()) return [];
    return this.sql
      .exec("SELECT name, COALESCE(LENGTH(payload), json_extract(payload_ref, '$.bytes'), 0) AS size, received_at FROM events WHERE received_at > ? ORDER BY id", now - INBOX_EVENT_TTL_MS)
      .toArray()
      .map((row) => ({ name: String(row.name), size: num(row, "size"), sentAt: num(row, "received_at"), expiresAt: num(row, "received_at") + INBOX_EVENT_TTL_MS }));
  }

  /** Bytes of the payloads kept (expired ones not counted). */
  bytes(now: number): number {
    if (!this.exists()) return 0;
    return num(this.sql.exec("SELECT COALESCE(SUM(COALESCE(LENGTH(payload), json_extract(payload_ref, '$.bytes'), 0)), 0) AS b FROM events WHERE received_at > ?", now - INBOX_EVENT_TTL_MS).one(), "b");
  }

  /** Why keeping one more event of `size` bytes would pass the inbox's bounds, or null when it fits. */
  refusal(size: number, now: number): string | null {
    this.expire(now);
    const row = this.sql.exec("SELECT COUNT(*) AS n, COALESCE(SUM(COALESCE(LENGTH(payload), json_extract(payload_ref, '$.bytes'), 0)), 0) AS b FROM events").one();
    const count = num(row, "n");
    const bytes = num(row, "b");
    if (count >= MAX_INBOX_EVENTS) return `the run keeps ${count} events no wait has taken, the most it may (${MAX_INBOX_EVENTS}); send them once the run waits for them`;
    if (bytes + size > MAX_INBOX_BYTES) return `the run keeps ${bytes} bytes of events no wait has taken; this one (${size} bytes) would pass the ${MAX_INBOX_BYTES}-byte limit; send it once the run waits for it`;
    return null;
  }

  /** Drops what no wait can take any more: events past their age, or all of them once the run ended. */
  expire(now: number, all = false): void {
    if (!this.exists()) return;
    if (all) this.sql.exec("DELETE FROM events");
    else this.sql.exec("DELETE FROM events WHERE received_at <= ?", now - INBOX_EVENT_TTL_MS);
  }

  /** For tests: moves every kept event's sending time back by `ms`. */
  age(ms: number): void {
    if (this.exists()) this.sql.exec("UPDATE events SET received_at = received_at - ?", ms);
  }

  /** What the event sent with Idempotency-Key `key` recorded, if one was. */
  sent(key: string): SentEvent | undefined {
    if (!this.exists()) return undefined;
    const row = this.sql.exec("SELECT fingerprint, delivered_to FROM event_keys WHERE key = ?", key).toArray()[0];
    return row ? { fingerprint: String(row.fingerprint), deliveredTo: textOrNull(row, "delivered_to") } : undefined;
  }

  /** Records the answer to the event sent with `key`, in the same write as the event itself. */
  remember(key: string, sent: SentEvent, at: number): void {
    this.sql.exec("INSERT INTO event_keys (key, fingerprint, delivered_to, at) VALUES (?, ?, ?, ?)", key, sent.fingerprint, sent.deliveredTo, at);
  }
}
