// A run's durable state in its Durable Object's SQLite database: the `run` row, and
// the tables of its steps, approval emails and signals. Every write is synchronous, so
// it is in storage before the run object tells the outside world anything.

import { encodeJson, LIVENESS_MS, RUN_STATUSES, type ErrorData, type Json, type PayloadRef, type RunOutcome, type RunStatus } from "baton-workflows/engine";
import { refIn } from "../payloads/payload-rows.ts";
import { EmailTable } from "../approvals/email-table.ts";
import { EventInbox } from "./event-inbox.ts";
import { errorData, json, num, numOrNull, oneOf, text, textOrNull } from "./rows.ts";
import { errorSummary, RunEvents } from "./run-events.ts";
import { RunSchema } from "./schema.ts";
import { SignalTable } from "./signal-table.ts";
import { StepTable } from "./step-table.ts";
import { successorIdOf } from "./continue-as-new.ts";

export type { PendingSignal, Signal } from "./signal-table.ts";

/** What a run runs: a workflow, or a script (one task). */
export type RunKind = "workflow" | "script";

/** The run row. */
export interface RunRow {
  id: string;
  workflow: string;
  input: Json | undefined;
  status: RunStatus;
  output: Json | undefined;
  error: ErrorData | null;
  createdAt: number;
  updatedAt: number;
  idempotencyKey: string | null;
  /** The origin the run was started on, for links back to this Worker. */
  origin: string | null;
  revision: number;
  indexedRevision: number;
  indexRetryAt: number | null;
  kind: RunKind;
  /** The run that started this one with taskFlow, and the step that waits for it. */
  parentId: string | null;
  parentKey: string | null;
  /** The run this one restarted, if it is a restart. */
  restartOf: string | null;
  /** 1, and one more for each restart before it (currentRun().attempt). */
  attempt: number;
  /** The version (source hash) of the workflow or script when the run started. */
  version: string | null;
  /** The Worker version that started the run, when the version metadata binding is set. */
  workerVersion: string | null;
  /** A random value recorded at creation: what approval links are bound to, so a new run under the same id honours none of an older one's. Null for runs created before it. */
  incarnation: string | null;
  /** The worker queue whose workers run this run's body (a workflow or script served by workers you run); null: the Worker runs it. */
  bodyQueue: string | null;
  /** The language of that body ("python"), null for the Worker's own. */
  language: string | null;
  /** The caller's W3C traceparent the run started under (normalized), or null: its trace id derives from its id. */
  traceparent: string | null;
  /** The last run event whose spans were exported (0: none). */
  traceCursor: number;
  /** What the body last published with setState(), as JSON text, stored when the body was at rest; null if it never did. */
  state: string | null;
  /** A debounced run's start: its body does not begin before then (null: at once). */
  startsAt: number | null;
  /** The run this one continued (continueAsNew), or null. */
  continuedFrom: string | null;
  /** The run this one continued as, once it ended `continued`; else null. */
  continuedAs: string | null;
  /** The first run of its chain (the id a parent's flow step knows) when it continued another; else null. */
  chainRoot: string | null;
  /** The input or output when kept in BATON_PAYLOADS (the `input` or `output` field is then undefined). */
  inputRef: PayloadRef | null;
  outputRef: PayloadRef | null;
}

/** What a new run records besides its id and input. */
export interface NewRun {
  id: string;
  workflow: string;
  kind: RunKind;
  input: Json | undefined;
  /** The input when kept in BATON_PAYLOADS (`input` is then held in memory only, for the first execution). */
  inputRef?: PayloadRef | null | undefined;
  idempotencyKey: string | null;
  origin: string | null;
  parentId: string | null;
  parentKey: string | null;
  restartOf: string | null;
  /** 1 for a new run; a restart's is its run's plus one. */
  attempt?: number | undefined;
  version: string | null;
  workerVersion: string | null;
  /** Where the body runs when a worker serves it: its queue and language. */
  remote?: { queue: string; language: string } | undefined;
  /** The caller's traceparent, checked (see normalTraceparent). */
  traceparent?: string | null | undefined;
  /** A debounced run's start (see pending-start.ts); null or left out: at once. */
  startsAt?: number | null | undefined;
  /** For a successor (continueAsNew): the run it continues and its chain's first run. */
  continuedFrom?: { id: string; root: string } | undefined;
  now: number;
}

export class RunStore {
  readonly steps: StepTable;
  readonly emails: EmailTable;
  readonly signals: SignalTable;
  readonly inbox: EventInbox;
  /** The run's numbered events, for streams and traces. */
  readonly events: RunEvents;
  private readonly schema: RunSchema;
  /** The run row as last read; undefined until read and after every write to it. */
  private cached: RunRow | undefined;
  /** A kept input loaded from BATON_PAYLOADS, by its key. */
  private keptInput: { key: string; value: Json | undefined } | undefined;
  private readonly sql: SqlStorage;

  /** For tests: moves an ended run's end (its last update) to `at`. */
  backdateEnd(at: number): void {
    this.sql.exec("UPDATE run SET updated_at = ?", at);
    this.cached = undefined;
  }

  private readonly cover: (at: number) => void;

  /**
   * `cover(at)` keeps the run's alarm at or before `at`; every table calls it in the write
   * that makes something due then, so the write and the alarm are one commit.
   */
  constructor(sql: SqlStorage, cover: (at: number) => void) {
    this.sql = sql;
    this.cover = cover;
    this.schema = new RunSchema(sql);
    const exists = (): boolean => this.schema.exists();
    this.inbox = new EventInbox(sql, exists);
    this.events = new RunEvents(sql, exists);
    this.steps = new StepTable(sql, cover, this.inbox, this.events);
    this.emails = new EmailTable(sql, exists, cover);
    this.signals = new SignalTable(sql, exists, cover);
  }

  /** The run row, or undefined when this object holds no run. Read once, then kept until this store writes it. */
  run(): RunRow | undefined {
    this.cached ??= this.readRun();
    return this.cached;
  }

  private readRun(): RunRow | undefined {
    if (!this.schema.exists()) return undefined;
    const row = this.sql.exec("SELECT * FROM run LIMIT 1").toArray()[0];
    if (!row) return undefined;
    return {
      id: text(row, "id"),
      workflow: text(row, "workflow"),
      input: json(row, "input") ?? this.keptInputOf(refIn(row, "input_ref")),
      status: oneOf(row, "status", RUN_STATUSES),
      output: json(row, "output"),
      error: errorData(row, "error") ?? null,
      createdAt: num(row, "created_at"),
      updatedAt: num(row, "updated_at"),
      idempotencyKey: textOrNull(row, "idempotency_key"),
      origin: textOrNull(row, "origin"),
      revision: num(row, "revision"),
      indexedRevision: num(row, "indexed_revision"),
      indexRetryAt: numOrNull(row, "index_retry_at"),
      kind: oneOf(row, "kind", ["workflow", "script"] as const),
      parentId: textOrNull(row, "parent_id"),
      parentKey: textOrNull(row, "parent_key"),
      restartOf: textOrNull(row, "restart_of"),
      attempt: num(row, "attempt"),
      version: textOrNull(row, "version"),
      workerVersion: textOrNull(row, "worker_version"),
      incarnation: textOrNull(row, "incarnation"),
      bodyQueue: textOrNull(row, "body_queue"),
      language: textOrNull(row, "language"),
      traceparent: textOrNull(row, "traceparent"),
      traceCursor: num(row, "trace_cursor"),
      state: textOrNull(row, "state"),
      startsAt: numOrNull(row, "starts_at"),
      continuedFrom: textOrNull(row, "continued_from"),
      continuedAs: textOrNull(row, "continued_as"),
      chainRoot: textOrNull(row, "chain_root"),
      inputRef: refIn(row, "input_ref"),
      outputRef: refIn(row, "output_ref"),
    };
  }

  /** Holds an input kept in BATON_PAYLOADS in memory once loaded, so the run row reads with it (a new store, after erasure, holds none). */
  keepInput(ref: PayloadRef, value: Json | undefined): void {
    this.keptInput = { key: ref.key, value };
    this.cached = undefined;
  }

  private keptInputOf(ref: PayloadRef | null): Json | undefined {
    return ref && this.keptInput?.key === ref.key ? this.keptInput.value : undefined;
  }

  /** Records a new run as queued, creating the tables. */
  create(run: NewRun): void {
    this.schema.create();
    this.sql.exec(
      `INSERT INTO run (id, workflow, input, status, created_at, updated_at, idempotency_key, origin, kind, parent_id, parent_key, version, worker_version, restart_of, incarnation, body_queue, language, traceparent, starts_at, continued_from, chain_root, input_ref, attempt)
       VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      run.id,
      run.workflow,
      run.inputRef ? null : encodeJson(run.input),
      run.now,
      run.now,
      run.idempotencyKey,
      run.origin,
      run.kind,
      run.parentId,
      run.parentKey,
      run.version,
      run.workerVersion,
      run.restartOf,
      crypto.randomUUID(),
      run.remote?.queue ?? null,
      run.remote?.language ?? null,
      run.traceparent ?? null,
      run.startsAt ?? null,
      run.continuedFrom?.id ?? null,
      run.continuedFrom?.root ?? null,
      run.inputRef ? JSON.stringify(run.inputRef) : null,
      run.attempt ?? 1,
    );
    if (run.inputRef) this.keepInput(run.inputRef, run.input);
    this.cached = undefined;
    this.events.append("run.created", { data: { workflow: run.workflow, ...(run.parentId ? { parentId: run.parentId } : {}), ...(run.restartOf ? { restartOf: run.restartOf } : {}), ...(run.startsAt ? { startsAt: new Date(run.startsAt).toISOString() } : {}), ...(run.continuedFrom ? { continuedFrom: run.continuedFrom.id } : {}) } });
    // The body starts next, and the list must hear of the run: both within the liveness window.
    this.cover(run.now + LIVENESS_MS);
  }

  /** Moves the run to `status`; a new revision tells the index to catch up. */
  setStatus(status: RunStatus, now: number): void {
    const from = this.run()?.status;
    if (from === status) return;
    this.events.append("run.status", { data: { from: from ?? null, to: status } });
    this.sql.exec("UPDATE run SET status = ?, updated_at = ?, revision = revision + 1", status, now);
    this.cached = undefined;
    this.cover(now + LIVENESS_MS);
  }

  /** A pending (debounced) run takes a later start's input and start time; a new revision tells the index. */
  postpone(input: Json | undefined, startsAt: number, now: number): void {
    this.events.append("run.postponed", { data: { startsAt: new Date(startsAt).toISOString() } });
    this.sql.exec("UPDATE run SET input = ?, starts_at = ?, updated_at = ?, revision = revision + 1", encodeJson(input), startsAt, now);
    this.cached = undefined;
    this.cover(Math.min(startsAt, now + LIVENESS_MS));
  }

  /** For tests: a pending run's start brought forward to `now` when it falls within `until`. */
  bringStartForward(until: number, now: number): void {
    this.sql.exec("UPDATE run SET starts_at = ? WHERE starts_at IS NOT NULL AND starts_at > ? AND starts_at <= ?", now, now, until);
    this.cached = undefined;
  }

  /** Records how the run ended; a run that continued as new names its successor (derived from its id) in the same write. */
  end(end: RunOutcome, now: number): void {
    const continuedAs = end.status === "continued" ? successorIdOf(this.run()?.id ?? "") : null;
    this.events.append("run.ended", { data: { status: end.status, ...(end.status === "failed" ? { error: errorSummary(end.error) } : {}), ...(continuedAs ? { continuedAs } : {}) } });
    this.sql.exec(
      "UPDATE run SET status = ?, output = ?, output_ref = ?, error = ?, updated_at = ?, revision = revision + 1, continued_as = ?",
      end.status,
      end.status === "completed" && !end.outputRef ? encodeJson(end.output) : null,
      end.status === "completed" && end.outputRef ? JSON.stringify(end.outputRef) : null,
      end.status === "failed" ? JSON.stringify(end.error) : null,
      now,
      continuedAs,
    );
    this.cached = undefined;
    // The list (and a parent, through its signal) must hear of the end within the liveness window.
    this.cover(now + LIVENESS_MS);
  }

  /** Stores the body's published state (JSON text) and tells it as a `run.state` event; the same text again changes nothing. */
  setState(state: string): void {
    if (this.run()?.state === state) return;
    this.events.append("run.state", { data: { state: JSON.parse(state) as Json } });
    this.sql.exec("UPDATE run SET state = ?", state);
    this.cached = undefined;
  }

  /** Notes that the spans of events up to `eventId` were exported. */
  markTraced(eventId: number): void {
    this.sql.exec("UPDATE run SET trace_cursor = MAX(trace_cursor, ?)", eventId);
    this.cached = undefined;
  }

  /** Notes that the index has seen `revision`, or when to try again. */
  markIndexed(revision: number | null, retryAt: number | null): void {
    if (revision !== null) this.sql.exec("UPDATE run SET indexed_revision = MAX(indexed_revision, ?), index_retry_at = NULL", revision);
    else this.sql.exec("UPDATE run SET index_retry_at = ?", retryAt);
    this.cached = undefined;
  }
}
