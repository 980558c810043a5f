// The tables of a run object's SQLite database, and their upgrade in place. Runs
// outlive deploys, so changes are additive: new tables are created if missing, and a
// column added after the tables first shipped is added (and filled from what older
// code stored) the first time an older run's object starts under this code.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run (
  id TEXT PRIMARY KEY,
  workflow TEXT NOT NULL,
  input TEXT,
  status TEXT NOT NULL,
  output TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  idempotency_key TEXT,
  origin TEXT,
  revision INTEGER NOT NULL DEFAULT 1,
  indexed_revision INTEGER NOT NULL DEFAULT 0,
  index_retry_at INTEGER,
  kind TEXT NOT NULL DEFAULT 'workflow',
  parent_id TEXT,
  parent_key TEXT,
  version TEXT,
  worker_version TEXT,
  restart_of TEXT,
  incarnation TEXT,
  body_queue TEXT,
  language TEXT,
  traceparent TEXT,
  trace_cursor INTEGER NOT NULL DEFAULT 0,
  state TEXT,
  starts_at INTEGER,
  continued_from TEXT,
  continued_as TEXT,
  chain_root TEXT,
  input_ref TEXT,
  output_ref TEXT,
  attempt INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS steps (
  key TEXT PRIMARY KEY,
  branch TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  result TEXT,
  error TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  wake_at INTEGER,
  deadline INTEGER,
  change_seq INTEGER NOT NULL,
  from_cache INTEGER NOT NULL DEFAULT 0,
  attempt_started_at INTEGER,
  target TEXT,
  args TEXT,
  delivery INTEGER,
  options TEXT,
  approval TEXT,
  flow_workflow TEXT,
  flow_timeout REAL,
  event_name TEXT,
  claim TEXT,
  resends INTEGER NOT NULL DEFAULT 0,
  result_ref TEXT
);
CREATE TABLE IF NOT EXISTS attempts (
  key TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at INTEGER,
  ran_at INTEGER,
  ended_at INTEGER NOT NULL,
  error TEXT,
  logs TEXT,
  PRIMARY KEY (key, attempt)
);
CREATE TABLE IF NOT EXISTS emails (
  key TEXT NOT NULL,
  recipient TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER,
  last_error TEXT,
  sent_at INTEGER,
  PRIMARY KEY (key, recipient)
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  payload TEXT,
  received_at INTEGER NOT NULL,
  payload_ref TEXT
);
CREATE TABLE IF NOT EXISTS event_keys (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  delivered_to TEXT,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  body TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE TABLE IF NOT EXISTS run_events (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  key TEXT,
  attempt INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS steps_open ON steps (status, kind);
CREATE INDEX IF NOT EXISTS steps_changes ON steps (change_seq);
`;

/** Columns added after the tables were first shipped; each is nullable or has a default. */
const ADDED_COLUMNS: readonly (readonly [table: "run" | "steps" | "attempts" | "events", column: string, definition: string])[] = [
  ["run", "kind", "TEXT NOT NULL DEFAULT 'workflow'"],
  ["run", "parent_id", "TEXT"],
  ["run", "parent_key", "TEXT"],
  ["run", "version", "TEXT"],
  ["run", "worker_version", "TEXT"],
  ["steps", "target", "TEXT"],
  ["steps", "args", "TEXT"],
  ["steps", "delivery", "INTEGER"],
  ["steps", "options", "TEXT"],
  ["steps", "approval", "TEXT"],
  ["steps", "flow_workflow", "TEXT"],
  ["steps", "flow_timeout", "REAL"],
  ["attempts", "logs", "TEXT"],
  ["attempts", "ran_at", "INTEGER"],
  ["steps", "event_name", "TEXT"],
  ["run", "restart_of", "TEXT"],
  ["steps", "claim", "TEXT"],
  ["steps", "resends", "INTEGER NOT NULL DEFAULT 0"],
  // Null for runs created before: their links carry none.
  ["run", "incarnation", "TEXT"],
  // Null for runs created before: their bodies run in the Worker.
  ["run", "body_queue", "TEXT"],
  ["run", "language", "TEXT"],
  // Null for runs created before: their trace id derives from the run id.
  ["run", "traceparent", "TEXT"],
  // 0 for runs created before: a Worker that turns tracing on exports their events from the first.
  ["run", "trace_cursor", "INTEGER NOT NULL DEFAULT 0"],
  // Null for runs created before: they published no state.
  ["run", "state", "TEXT"],
  // Null for runs created before, and for every run not debounced: the body starts at once.
  ["run", "starts_at", "INTEGER"],
  // Null for runs created before: none of them continued as new.
  ["run", "continued_from", "TEXT"],
  ["run", "continued_as", "TEXT"],
  ["run", "chain_root", "TEXT"],
  // Values kept in BATON_PAYLOADS: the reference ({key, bytes} JSON), the value column then null.
  ["steps", "result_ref", "TEXT"],
  ["run", "input_ref", "TEXT"],
  ["run", "output_ref", "TEXT"],
  ["events", "payload_ref", "TEXT"],
  // currentRun().attempt: 1, and one more per restart.
  ["run", "attempt", "INTEGER NOT NULL DEFAULT 1"],
];

/**
 * Fills a column just added to an older run's table from what older code stored:
 * outcomes settled before the delivery order was recorded get 0 (replay hands them
 * over when their call is made, as the code that recorded them did); the one `detail`
 * column older code kept options, approval requests and flow details in is split into
 * typed columns.
 */
const BACKFILL: Readonly<Record<string, string>> = {
  // Older restarts did not count: a restart of a run is at least its second attempt.
  "run.attempt": "UPDATE run SET attempt = 2 WHERE restart_of IS NOT NULL",
  "steps.delivery": "UPDATE steps SET delivery = 0 WHERE status IN ('completed', 'failed') AND kind <> 'patch'",
  "steps.options": "UPDATE steps SET options = detail WHERE kind IN ('task', 'step')",
  "steps.approval": "UPDATE steps SET approval = detail WHERE kind = 'approval'",
  "steps.flow_workflow": "UPDATE steps SET flow_workflow = json_extract(detail, '$.workflow') WHERE kind = 'flow'",
  "steps.flow_timeout": "UPDATE steps SET flow_timeout = json_extract(detail, '$.timeout') WHERE kind = 'flow'",
};

/** A run object's tables: created with the run, upgraded when an older run's object starts. */
export class RunSchema {
  private ready = false;
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** True when this object holds a run's tables (brought up to date on the first look). */
  exists(): boolean {
    if (!this.ready) {
      this.ready = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run'").toArray().length > 0;
      if (this.ready) this.upgrade();
    }
    return this.ready;
  }

  /** Creates the tables; only a run's start does, so reads of unknown runs change nothing. */
  create(): void {
    if (this.exists()) return;
    this.sql.exec(SCHEMA);
    this.ready = true;
  }

  private upgrade(): void {
    this.sql.exec(SCHEMA);
    for (const table of ["run", "steps", "attempts", "events"] as const) {
      const have = new Set(this.sql.exec(`PRAGMA table_info(${table})`).toArray().map((row) => String(row.name)));
      for (const [owner, column, definition] of ADDED_COLUMNS) {
        if (owner !== table || have.has(column)) continue;
        this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
        const backfill = BACKFILL[`${table}.${column}`];
        if (backfill) this.sql.exec(backfill);
      }
    }
  }
}
