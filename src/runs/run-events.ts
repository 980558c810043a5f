// A run's event history: every transition its machine makes (a step scheduled, an
// attempt started and ended, a retry, a sleep, a wait, a decision, a step's end, the
// lines an attempt printed) and the run's own status changes, as events numbered 1, 2…
// in the run object's SQLite database. Each is written in the synchronous turn of the
// write it tells of, so a crash loses none and invents none; streams and traces read
// them by number.

import type { AttemptFacts, ErrorData, Json, StepChange, StepKind, StepRecord } from "baton-workflows/engine";
import { num, numOrNull, oneOf, text, textOrNull, type Row } from "./rows.ts";

/** Every event type, in one vocabulary for the API, the console and traces. */
export const RUN_EVENT_TYPES = [
  "run.created",
  "run.status",
  "run.cancel_requested",
  "run.state",
  "run.postponed",
  "run.update",
  "run.ended",
  "step.scheduled",
  "step.queued",
  "step.attempt.started",
  "step.attempt.ended",
  "step.retrying",
  "step.sleeping",
  "step.waiting",
  "step.decided",
  "step.completed",
  "step.failed",
  "step.cancelled",
  "log",
] as const;

/** One of RUN_EVENT_TYPES. */
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/** One event of a run, as the API answers it. */
export interface RunEvent {
  /** Increasing within the run: the cursor to resume after. */
  id: number;
  type: RunEventType;
  /** When it happened (ISO 8601). */
  at: string;
  /** The step it is about, for step events and log lines. */
  key?: string;
  attempt?: number;
  /** What the type tells (see DESIGN.md "Run events"). */
  data: { [field: string]: Json };
}

/** The most log lines of one attempt told as events; the attempt's stored logs keep them all. */
export const MAX_LOG_EVENTS_PER_ATTEMPT = 100;

/** What a step's events name it by, read narrowly on each status change. */
export interface StepHeadFacts {
  kind: StepKind;
  name: string;
  attempts: number;
}

/** A step write's event, before it is numbered. */
interface Pending {
  type: RunEventType;
  key?: string;
  attempt?: number;
  data: { [field: string]: Json };
}

/** The run's events table: appends in the writer's turn, reads by cursor. */
export class RunEvents {
  private readonly sql: SqlStorage;
  private readonly exists: () => boolean;
  /** A task's or step's end, told after its attempt's end and lines (written next in the same turn). */
  private held: Pending | undefined;
  private newest: number | undefined;

  /** `exists()` says whether this object holds a run's tables (reads of an empty object create nothing). */
  constructor(sql: SqlStorage, exists: () => boolean) {
    this.sql = sql;
    this.exists = exists;
  }

  /** Appends an event now. */
  append(type: RunEventType, fields: { key?: string; attempt?: number; data?: { [field: string]: Json } } = {}): void {
    this.release();
    this.write({ type, ...fields, data: fields.data ?? {} });
  }

  /** The newest event's id (0 for none). */
  last(): number {
    if (!this.exists()) return 0;
    this.newest ??= num(this.sql.exec("SELECT COALESCE(MAX(id), 0) AS n FROM run_events").one(), "n");
    return this.newest;
  }

  /** Up to `limit` events after id `after`, oldest first. */
  after(after: number, limit: number): RunEvent[] {
    if (!this.exists()) return [];
    this.release();
    return this.sql
      .exec("SELECT * FROM run_events WHERE id > ? ORDER BY id LIMIT ?", after, limit)
      .toArray()
      .map(eventOf);
  }

  /** Up to `limit` events of the given types, oldest first (a trace's root span reads its sleeps and waits). */
  ofTypes(types: readonly RunEventType[], limit: number): RunEvent[] {
    if (!this.exists() || types.length === 0) return [];
    this.release();
    return this.sql
      .exec(`SELECT * FROM run_events WHERE type IN (${types.map(() => "?").join(", ")}) ORDER BY id LIMIT ?`, ...types, limit)
      .toArray()
      .map(eventOf);
  }

  // --- what step writes tell (StepTable calls these in the turn of each write)

  /** A new step row. */
  inserted(step: StepRecord): void {
    this.release();
    const base = { kind: step.kind, name: step.name };
    const key = step.key;
    // The run's cancel, recorded for the body to hear: a run-level event.
    if (step.kind === "cancel") return this.write({ type: "run.cancel_requested", data: step.result === undefined ? {} : { rollback: true } });
    // An update received: its answer is told by another run.update once the body ran its handler (updating.ts).
    if (step.kind === "update") return this.write({ type: "run.update", key, data: { name: step.name, status: "received" } });
    if (step.status === "completed") return this.write({ type: "step.completed", key, data: { ...base, ...(step.fromCache ? { fromCache: true } : {}) } });
    switch (step.kind) {
      case "sleep":
        return this.write({ type: "step.sleeping", key, data: { ...base, wakeAt: isoOrNull(step.wakeAt) } });
      case "approval":
        return this.write({ type: "step.waiting", key, data: { ...base, for: "approval", to: step.approval?.to ?? [], expiresAt: isoOrNull(step.wakeAt) } });
      case "event":
        return this.write({ type: "step.waiting", key, data: { ...base, for: "event", event: step.event?.name ?? step.name, expiresAt: isoOrNull(step.wakeAt) } });
      case "flow":
        return this.write({ type: "step.waiting", key, data: { ...base, for: "child", workflow: step.flow?.workflow ?? null, runId: step.flow?.childId ?? null } });
      default: {
        const script = step.script ? { script: step.script.path } : {};
        const now = Date.now();
        const told: [Pending, number][] = [[{ type: step.status === "queued" ? "step.queued" : "step.scheduled", key, attempt: step.attempts, data: { ...base, ...script } }, now]];
        // An inline step's closure runs at once, in the run object.
        if (step.kind === "step" && step.status === "running") told.push([{ type: "step.attempt.started", key, attempt: step.attempts, data: {} }, now]);
        this.writeAll(told);
      }
    }
  }

  /**
   * A change applied to the step at `key`: `head` reads its kind, name and attempt count
   * (a narrow read: the change itself carries what else an event tells), and `resultSize`
   * is the length of the result or error it wrote.
   */
  changed(key: string, change: StepChange, head: () => StepHeadFacts | undefined, resultSize: number): void {
    if (change.status === undefined) return;
    this.release();
    const step = head();
    if (!step) return;
    const base = { kind: step.kind, name: step.name };
    const attempt = step.attempts;
    const work = step.kind === "task" || step.kind === "step";
    switch (change.status) {
      case "completed": {
        if (step.kind === "approval" && isDecision(change.result)) this.write({ type: "step.decided", key, data: { ...base, ...change.result } });
        const done: Pending = { type: "step.completed", key, data: { ...base, outputSize: resultSize, ...(change.fromCache ? { fromCache: true } : {}) } };
        if (work) this.held = { ...done, attempt };
        else this.write(done);
        return;
      }
      case "failed": {
        const failed: Pending = { type: "step.failed", key, data: { ...base, error: errorSummary(change.error) } };
        if (work) this.held = { ...failed, attempt };
        else this.write(failed);
        return;
      }
      case "retrying":
        this.held = { type: "step.retrying", key, attempt, data: { ...base, retryAt: isoOrNull(change.wakeAt ?? null), error: errorSummary(change.error) } };
        return;
      case "cancelled":
        return this.write({ type: "step.cancelled", key, data: base });
      case "queued":
        return this.write({ type: "step.queued", key, attempt, data: base });
      case "running":
        // An inline step runs again at once; a task's new attempt goes to a queue and starts when a consumer claims it.
        return this.write({ type: step.kind === "step" ? "step.attempt.started" : "step.scheduled", key, attempt, data: step.kind === "step" ? {} : base });
      case "sleeping":
        return this.write({ type: "step.sleeping", key, data: { ...base, wakeAt: isoOrNull(change.wakeAt ?? null) } });
      case "waiting":
        return this.write({ type: "step.waiting", key, data: base });
    }
  }

  /** A consumer (or a worker) claimed a task's attempt: its closure starts. */
  claimed(key: string, attempt: number): void {
    this.append("step.attempt.started", { key, attempt });
  }

  /** An attempt of a task or step ended (`error` null: it succeeded), with what it printed. */
  attempted(key: string, attempt: number, endedAt: number, error: ErrorData | null, facts: AttemptFacts): void {
    const held = this.held;
    this.held = undefined;
    const told: [Pending, number][] = [[{ type: "step.attempt.ended", key, attempt, data: error === null ? { ok: true } : { ok: false, error: errorSummary(error) } }, endedAt]];
    const lines = facts.logs ?? [];
    for (const line of lines.slice(0, MAX_LOG_EVENTS_PER_ATTEMPT)) told.push([{ type: "log", key, attempt, data: { level: line.level, message: line.message } }, line.at]);
    if (lines.length > MAX_LOG_EVENTS_PER_ATTEMPT) told.push([{ type: "log", key, attempt, data: { level: "info", message: `… ${lines.length - MAX_LOG_EVENTS_PER_ATTEMPT} more lines in the step's logs` } }, endedAt]);
    if (held) told.push([held, endedAt]);
    this.writeAll(told);
  }

  // ---

  /** Writes a held end whose attempt record never came (no write follows it in its turn). */
  private release(): void {
    const held = this.held;
    this.held = undefined;
    if (held) this.write(held);
  }

  private write(event: Pending, at = Date.now()): void {
    this.writeAll([[event, at]]);
  }

  /** Writes events numbered after the newest (read once, then kept), in statements of up to ROWS_PER_INSERT rows: each statement costs more than its rows. */
  private writeAll(events: readonly (readonly [Pending, number])[]): void {
    try {
      for (let from = 0; from < events.length; from += ROWS_PER_INSERT) {
        const chunk = events.slice(from, from + ROWS_PER_INSERT);
        const values: SqlStorageValue[] = [];
        let id = this.last();
        for (const [event, at] of chunk) values.push(++id, at, event.type, event.key ?? null, event.attempt ?? null, JSON.stringify(event.data));
        this.sql.exec(`INSERT INTO run_events (id, at, type, key, attempt, data) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`, ...values);
        this.newest = id;
      }
    } catch (error) {
      // Telling of a transition must never undo it: the step's write stands, and the run goes on.
      this.newest = undefined;
      console.error(`baton: ${events.length} run events not recorded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Rows in one insert of events: six values each, and a Durable Object's SQLite binds at most 100 values per statement. */
const ROWS_PER_INSERT = 16;

/** What a stored row says. */
function eventOf(row: Row): RunEvent {
  const key = textOrNull(row, "key");
  const attempt = numOrNull(row, "attempt");
  return {
    id: num(row, "id"),
    type: oneOf(row, "type", RUN_EVENT_TYPES),
    at: new Date(num(row, "at")).toISOString(),
    ...(key === null ? {} : { key }),
    ...(attempt === null ? {} : { attempt }),
    data: JSON.parse(text(row, "data")) as { [field: string]: Json },
  };
}

function isoOrNull(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}

/** An error as events carry it: enough to read, without its stack or fields. */
export function errorSummary(error: ErrorData | undefined | null): Json {
  if (!error) return null;
  return { name: error.name, message: error.message, ...(error.code ? { code: error.code } : {}) };
}

function isDecision(value: Json | undefined): value is { [field: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "decision" in value;
}
