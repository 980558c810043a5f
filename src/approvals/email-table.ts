// Approval emails waiting to go out, in the run object's SQLite database: one row per
// recipient, recorded with the approval before any send, so a crash loses none.

import type { EmailView } from "../runs/run-view.ts";
import { num, numOrNull, text, textOrNull } from "../runs/rows.ts";

export class EmailTable {
  private readonly sql: SqlStorage;
  private readonly exists: () => boolean;
  private readonly cover: (at: number) => void;

  /** `exists` says whether the run's tables are there (reads of an unknown run change nothing); `cover(at)` keeps the run's alarm at or before a try due then. */
  constructor(sql: SqlStorage, exists: () => boolean, cover: (at: number) => void) {
    this.sql = sql;
    this.exists = exists;
    this.cover = cover;
  }

  /**
   * Records that `key`'s approval email is to be sent to each recipient, before any
   * send. The first try comes with the next flush; `fallbackAt` is when the alarm
   * tries if that flush never happened.
   */
  queue(key: string, recipients: string[], fallbackAt: number): void {
    for (const recipient of recipients) {
      this.sql.exec("INSERT OR IGNORE INTO emails (key, recipient, status, next_at) VALUES (?, ?, 'pending', ?)", key, recipient, fallbackAt);
    }
    if (recipients.length > 0) this.cover(fallbackAt);
  }

  /** Emails to send now: never tried yet, or due again. */
  due(now: number): { key: string; recipient: string; attempts: number }[] {
    if (!this.exists()) return [];
    return this.sql
      .exec("SELECT key, recipient, attempts FROM emails WHERE status = 'pending' AND (attempts = 0 OR next_at <= ?) ORDER BY rowid", now)
      .toArray()
      .map((row) => ({ key: text(row, "key"), recipient: text(row, "recipient"), attempts: num(row, "attempts") }));
  }

  /** Records a send's outcome: sent, to be tried again at `retryAt`, or given up (`retryAt` null). */
  attempted(key: string, recipient: string, now: number, error: string | null, retryAt: number | null): void {
    if (error === null) {
      this.sql.exec("UPDATE emails SET status = 'sent', attempts = attempts + 1, sent_at = ?, next_at = NULL WHERE key = ? AND recipient = ?", now, key, recipient);
      return;
    }
    this.sql.exec(
      "UPDATE emails SET status = ?, attempts = attempts + 1, last_error = ?, next_at = ? WHERE key = ? AND recipient = ?",
      retryAt === null ? "failed" : "pending",
      error,
      retryAt,
      key,
      recipient,
    );
    if (retryAt !== null) this.cover(retryAt);
  }

  /** Makes every pending email due at `now` (a test's control). */
  hasten(now: number): void {
    this.sql.exec("UPDATE emails SET next_at = ? WHERE status = 'pending'", now);
  }

  /** For tests: makes every pending email due at or before `until` due at `now`. */
  bringForward(until: number, now: number): void {
    if (this.exists()) this.sql.exec("UPDATE emails SET next_at = ? WHERE status = 'pending' AND next_at <= ?", now, until);
  }

  /** Drops emails not yet sent for an approval that no longer waits. */
  skip(key: string): void {
    this.sql.exec("UPDATE emails SET status = 'skipped', next_at = NULL WHERE key = ? AND status = 'pending'", key);
  }

  /** When the next email is due, if any is pending. */
  nextAt(): number | null {
    if (!this.exists()) return null;
    return numOrNull(this.sql.exec("SELECT MIN(next_at) AS t FROM emails WHERE status = 'pending'").one(), "t");
  }

  /** The approval emails of `key`, for the run's views. */
  of(key: string): EmailView[] {
    return this.sql
      .exec("SELECT recipient, status, attempts, last_error FROM emails WHERE key = ? ORDER BY rowid", key)
      .toArray()
      .map((row) => ({ to: text(row, "recipient"), status: text(row, "status"), attempts: num(row, "attempts"), error: textOrNull(row, "last_error") }));
  }
}
