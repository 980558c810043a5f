// A run's `attempts` table: each finished attempt of a task or step, with its error,
// what it printed and when it ran. Apart from the steps table because the log never
// needs it: only views, a step's logs and a restart's copy read it.

import type { AttemptFacts, ErrorData, LogLine } from "baton-workflows/engine";
import { logLinesOf } from "baton-workflows/engine";
import { errorData, num, numOrNull, text, textOrNull } from "./rows.ts";
import type { AttemptView } from "./run-view.ts";
import { iso } from "./run-view.ts";

/** An attempt row as stored (its error and logs as JSON text), to copy between runs. */
export interface StoredAttempt {
  key: string;
  attempt: number;
  startedAt: number | null;
  ranAt: number | null;
  endedAt: number;
  error: string | null;
  logs: string | null;
}

/** Adds a finished attempt of the step at `key`, started when the step's current attempt did. */
export function recordAttemptRow(sql: SqlStorage, key: string, attempt: number, endedAt: number, error: ErrorData | null, facts: AttemptFacts): void {
  sql.exec(
    "INSERT OR REPLACE INTO attempts (key, attempt, started_at, ran_at, ended_at, error, logs) SELECT key, ?, attempt_started_at, ?, ?, ?, ? FROM steps WHERE key = ?",
    attempt,
    facts.ranAt ?? null,
    endedAt,
    error === null ? null : JSON.stringify(error),
    facts.logs?.length ? JSON.stringify(facts.logs) : null,
    key,
  );
}

/** The finished attempts of `keys` as stored, to copy into a restarted run. */
export function storedAttempts(sql: SqlStorage, keys: readonly string[]): StoredAttempt[] {
  if (keys.length === 0) return [];
  const wanted = new Set(keys);
  return sql
    .exec("SELECT key, attempt, started_at, ran_at, ended_at, error, logs FROM attempts ORDER BY key, attempt")
    .toArray()
    .filter((row) => wanted.has(text(row, "key")))
    .map((row) => ({
      key: text(row, "key"),
      attempt: num(row, "attempt"),
      startedAt: numOrNull(row, "started_at"),
      ranAt: numOrNull(row, "ran_at"),
      endedAt: num(row, "ended_at"),
      error: textOrNull(row, "error"),
      logs: textOrNull(row, "logs"),
    }));
}

/** Stores attempts copied from another run (a restart's kept steps). */
export function copyStoredAttempts(sql: SqlStorage, attempts: readonly StoredAttempt[]): void {
  for (const a of attempts) {
    sql.exec(
      "INSERT OR REPLACE INTO attempts (key, attempt, started_at, ran_at, ended_at, error, logs) VALUES (?, ?, ?, ?, ?, ?, ?)",
      a.key,
      a.attempt,
      a.startedAt,
      a.ranAt,
      a.endedAt,
      a.error,
      a.logs,
    );
  }
}

/** What the attempts of `key` printed, oldest first. */
export function attemptLogs(sql: SqlStorage, key: string): LogLine[] {
  return sql
    .exec("SELECT logs FROM attempts WHERE key = ? AND logs IS NOT NULL ORDER BY attempt", key)
    .toArray()
    .flatMap((row) => logLinesOf(JSON.parse(text(row, "logs"))));
}

/** The attempts of `key` that ended, oldest first. */
export function attemptHistory(sql: SqlStorage, key: string): AttemptView[] {
  return sql
    .exec("SELECT attempt, started_at, ran_at, ended_at, error FROM attempts WHERE key = ? ORDER BY attempt", key)
    .toArray()
    .map((row) => {
      const started = numOrNull(row, "started_at");
      const ran = numOrNull(row, "ran_at");
      return {
        attempt: num(row, "attempt"),
        startedAt: started === null ? null : iso(started),
        ranAt: ran === null ? null : iso(ran),
        endedAt: iso(num(row, "ended_at")),
        error: errorData(row, "error") ?? null,
      };
    });
}
