// Runs outlive deploys: a run whose tables were created by the previous release's
// schema (before composition added columns) is upgraded in place and finishes.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getRun, hits, runStub } from "./helpers.ts";

// The tables as the previous release created them.
const PREVIOUS_SCHEMA = `
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

describe("schema upgrade", () => {
  it("a run sleeping under the previous schema wakes under this one and completes", async () => {
    const id = crypto.randomUUID();
    const tag = crypto.randomUUID();
    const now = Date.now();
    await runInDurableObject(runStub(id), async (_instance, state) => {
      state.storage.sql.exec(PREVIOUS_SCHEMA);
      state.storage.sql.exec(
        "INSERT INTO run (id, workflow, input, status, created_at, updated_at, revision, indexed_revision) VALUES (?, 'sleeper', ?, 'sleeping', ?, ?, 1, 1)",
        id,
        JSON.stringify({ tag, seconds: 1 }),
        now - 5000,
        now - 5000,
      );
      state.storage.sql.exec(
        "INSERT INTO steps (key, branch, seq, kind, name, status, attempts, started_at, wake_at, change_seq) VALUES ('sleep#0', '', 0, 'sleep', 'sleep', 'sleeping', 1, ?, ?, 1)",
        now - 5000,
        now - 4000,
      );
      await state.storage.setAlarm(now);
    });
    expect(await runDurableObjectAlarm(runStub(id))).toBe(true);
    let run = await getRun(id);
    for (let i = 0; i < 200 && run.status !== "completed"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      run = await getRun(id);
    }
    expect(run).toMatchObject({ status: "completed", output: "woke", kind: "workflow", parentId: null, version: null });
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ["sleep#0", "completed"],
      ["after#0", "completed"],
    ]);
    expect(await hits(`${tag}:after`)).toBe(1);
  });
});
