// Runs outlive deploys: a run whose tables were created by an earlier release's schema
// is upgraded in place and finishes.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hits, runStub, waitForRun } from "./helpers.ts";

// The tables as the release before composition created them.
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
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: "woke", kind: "workflow", parentId: null, version: null });
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ["sleep#0", "completed"],
      ["after#0", "completed"],
    ]);
    expect(await hits(`${tag}:after`)).toBe(1);
  });

  it("a run recorded before the delivery order was kept replays its settled steps as it did, and completes", async () => {
    const id = crypto.randomUUID();
    const tag = crypto.randomUUID();
    const now = Date.now();
    await runInDurableObject(runStub(id), async (_instance, state) => {
      // The release before the delivery order: composition's columns, no `delivery`.
      state.storage.sql.exec(PREVIOUS_SCHEMA);
      for (const [table, column] of [["run", "kind TEXT NOT NULL DEFAULT 'workflow'"], ["run", "parent_id TEXT"], ["run", "parent_key TEXT"], ["run", "version TEXT"], ["run", "worker_version TEXT"], ["steps", "target TEXT"], ["steps", "args TEXT"]]) {
        state.storage.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
      }
      state.storage.sql.exec(
        "INSERT INTO run (id, workflow, input, status, created_at, updated_at, revision, indexed_revision) VALUES (?, 'counted', ?, 'sleeping', ?, ?, 1, 1)",
        id,
        JSON.stringify({ tag, pause: 1 }),
        now - 5000,
        now - 5000,
      );
      const steps: [string, string, number, string | null][] = [
        ["a#0", "task", 0, "1"],
        ["b#0", "task", 1, "2"],
        ["s#0", "step", 2, "3"],
        ["sleep#0", "sleep", 3, null],
      ];
      for (const [key, kind, seq, result] of steps) {
        state.storage.sql.exec(
          "INSERT INTO steps (key, branch, seq, kind, name, status, attempts, result, started_at, ended_at, wake_at, change_seq) VALUES (?, '', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
          key,
          seq,
          kind,
          key.slice(0, key.indexOf("#")),
          kind === "sleep" ? "sleeping" : "completed",
          result,
          now - 5000,
          kind === "sleep" ? null : now - 4500,
          kind === "sleep" ? now - 4000 : null,
          seq + 1,
        );
      }
      await state.storage.setAlarm(now);
    });
    expect(await runDurableObjectAlarm(runStub(id))).toBe(true);
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: { total: 10 } });
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ["a#0", "completed"],
      ["b#0", "completed"],
      ["s#0", "completed"],
      ["sleep#0", "completed"],
      ["c#0", "completed"],
    ]);
    // Only the step recorded after the upgrade ran.
    expect([await hits(`${tag}:a`), await hits(`${tag}:s`), await hits(`${tag}:c`)]).toEqual([0, 0, 1]);
  });
});
