// Runs as earlier releases stored them, for tests of the schema upgrade: each writer
// creates a run object's tables exactly as that release did and fills in one run.
// Test-only; the engine itself only ever reads such tables (src/runs/schema.ts).

import type { RunSummary } from "../../src/runs/run-view.ts";

/** The tables as the release before composition (child flows, scripts, versions) created them. */
const BEFORE_COMPOSITION = `
CREATE TABLE run (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, input TEXT, status TEXT NOT NULL, output TEXT, error TEXT,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, idempotency_key TEXT, origin TEXT,
  revision INTEGER NOT NULL DEFAULT 1, indexed_revision INTEGER NOT NULL DEFAULT 0, index_retry_at INTEGER);
CREATE TABLE steps (key TEXT PRIMARY KEY, branch TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL, result TEXT, error TEXT, started_at INTEGER NOT NULL, ended_at INTEGER,
  wake_at INTEGER, deadline INTEGER, change_seq INTEGER NOT NULL, detail TEXT, from_cache INTEGER NOT NULL DEFAULT 0,
  attempt_started_at INTEGER);
CREATE TABLE attempts (key TEXT NOT NULL, attempt INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER NOT NULL, error TEXT, PRIMARY KEY (key, attempt));
CREATE TABLE emails (key TEXT NOT NULL, recipient TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER,
  last_error TEXT, sent_at INTEGER, PRIMARY KEY (key, recipient));
CREATE INDEX steps_open ON steps (status, kind);
CREATE INDEX steps_changes ON steps (change_seq);
`;

/** What the release before the delivery order added to it (composition's columns and the signals table). */
const COMPOSITION = `
ALTER TABLE run ADD COLUMN kind TEXT NOT NULL DEFAULT 'workflow';
ALTER TABLE run ADD COLUMN parent_id TEXT;
ALTER TABLE run ADD COLUMN parent_key TEXT;
ALTER TABLE run ADD COLUMN version TEXT;
ALTER TABLE run ADD COLUMN worker_version TEXT;
ALTER TABLE steps ADD COLUMN target TEXT;
ALTER TABLE steps ADD COLUMN args TEXT;
CREATE TABLE signals (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, target TEXT NOT NULL, body TEXT NOT NULL,
  due_at INTEGER NOT NULL, tries INTEGER NOT NULL DEFAULT 0, last_error TEXT);
`;

/** The tables as release 0.1.0 (the last before the package) created them: no incarnation, no event keys. */
const RELEASE_0_1_0 = `
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
  restart_of TEXT
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
  resends INTEGER NOT NULL DEFAULT 0
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
  received_at INTEGER NOT NULL
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
CREATE INDEX IF NOT EXISTS steps_open ON steps (status, kind);
CREATE INDEX IF NOT EXISTS steps_changes ON steps (change_seq);
`;

/** One step as an earlier release stored it: settled steps carry a JSON result, a sleep its wake time, tasks their options in `detail`. */
export interface LegacyStep {
  key: string;
  kind: "task" | "step" | "sleep" | "approval";
  status: "completed" | "sleeping" | "running" | "waiting";
  result?: unknown;
  wakeAt?: number;
  options?: unknown;
  /** An approval's request, as 0.1.0 kept it in its own column. */
  approval?: unknown;
}

/** A run as an earlier release stored it. */
export interface LegacyRun {
  /** "before-composition", "before-delivery-order" (composition's columns, no delivery order or typed step columns), or "0.1.0" (the last release before the package). */
  release: "before-composition" | "before-delivery-order" | "0.1.0";
  id: string;
  workflow: string;
  input: unknown;
  status: "running" | "sleeping" | "waiting";
  createdAt: number;
  steps: LegacyStep[];
}

/** Writes `run` into an empty run object's database as its release would have. */
export function writeLegacyRun(sql: SqlStorage, run: LegacyRun): void {
  if (run.release === "0.1.0") return writeRun010(sql, run);
  sql.exec(BEFORE_COMPOSITION);
  if (run.release === "before-delivery-order") sql.exec(COMPOSITION);
  sql.exec(
    "INSERT INTO run (id, workflow, input, status, created_at, updated_at, revision, indexed_revision) VALUES (?, ?, ?, ?, ?, ?, 1, 1)",
    run.id,
    run.workflow,
    JSON.stringify(run.input),
    run.status,
    run.createdAt,
    run.createdAt,
  );
  run.steps.forEach((step, seq) => {
    sql.exec(
      `INSERT INTO steps (key, branch, seq, kind, name, status, attempts, result, detail, started_at, ended_at, wake_at, change_seq)
       VALUES (?, '', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
      step.key,
      seq,
      step.kind,
      step.key.slice(0, step.key.indexOf("#")),
      step.status,
      step.result === undefined ? null : JSON.stringify(step.result),
      step.options === undefined ? null : JSON.stringify(step.options),
      run.createdAt,
      step.status === "completed" ? run.createdAt + 500 : null,
      step.wakeAt ?? null,
      seq + 1,
    );
  });
}

/** Writes `run` as 0.1.0 did: its typed step columns and delivery order, its approvals' own column. */
function writeRun010(sql: SqlStorage, run: LegacyRun): void {
  sql.exec(RELEASE_0_1_0);
  sql.exec(
    "INSERT INTO run (id, workflow, input, status, created_at, updated_at, revision, indexed_revision, kind) VALUES (?, ?, ?, ?, ?, ?, 1, 1, 'workflow')",
    run.id,
    run.workflow,
    JSON.stringify(run.input),
    run.status,
    run.createdAt,
    run.createdAt,
  );
  let delivery = 0;
  run.steps.forEach((step, seq) => {
    const settled = step.status === "completed";
    sql.exec(
      `INSERT INTO steps (key, branch, seq, kind, name, status, attempts, result, started_at, ended_at, wake_at, change_seq, delivery, options, approval)
       VALUES (?, '', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
      step.key,
      seq,
      step.kind,
      step.key.slice(0, step.key.indexOf("#")),
      step.status,
      step.result === undefined ? null : JSON.stringify(step.result),
      run.createdAt,
      settled ? run.createdAt + 500 : null,
      step.wakeAt ?? null,
      seq + 1,
      settled ? ++delivery : null,
      step.options === undefined ? null : JSON.stringify(step.options),
      step.approval === undefined ? null : JSON.stringify(step.approval),
    );
  });
}

/** The list entry the release that stored `run` kept for it. */
export function legacySummary(run: LegacyRun): RunSummary {
  const at = new Date(run.createdAt).toISOString();
  return { id: run.id, workflow: run.workflow, kind: "workflow", status: run.status, parentId: null, createdAt: at, updatedAt: at };
}
