// A run's steps in memory: the run state machine's storage port for runLocally, with
// the change numbers a consumer's mirror reads deltas by, as the run object's SQLite
// table keeps them.

import type { LogLine } from "../core/closure-logs.ts";
import type { ErrorData } from "../core/error-data.ts";
import type { Json } from "../core/json.ts";
import type { AttemptFacts, LogEntry, StepStatus } from "../core/log.ts";
import { isOpenStep } from "../core/run-machine/statuses.ts";
import type { LeaseChange, StepChange, StepGuard, StepRecord, StepStorage, StepTally } from "../core/run-machine/storage.ts";

/** A finished attempt of a task or step. */
export interface AttemptRecord {
  attempt: number;
  startedAt: number;
  /** When a consumer took the task (null here: runLocally has no queue). */
  ranAt: number | null;
  endedAt: number;
  error: ErrorData | null;
  logs: LogLine[];
}

interface Row extends StepRecord {
  /** The change number of the row's latest write. */
  change: number;
  order: number;
}

export class MemorySteps implements StepStorage {
  private readonly rows = new Map<string, Row>();
  private readonly attempts = new Map<string, AttemptRecord[]>();
  private readonly inbox: { name: string; payload: Json | undefined; at: number }[] = [];
  private changes = 0;
  private deliveries = 0;

  /** The change number of the latest write. */
  get cursor(): number {
    return this.changes;
  }

  step(key: string): StepRecord | undefined {
    return this.rows.get(key);
  }

  insert(step: StepRecord): void {
    this.rows.set(step.key, { ...step, change: ++this.changes, order: this.rows.size });
    if (step.delivery) this.deliveries = Math.max(this.deliveries, step.delivery);
  }

  update(key: string, guard: StepGuard, change: StepChange): boolean {
    const row = this.rows.get(key);
    if (!row || !guard.statuses.includes(row.status) || (guard.attempt !== undefined && row.attempts !== guard.attempt)) return false;
    Object.assign(row, change);
    if (change.delivery) this.deliveries = Math.max(this.deliveries, change.delivery);
    row.change = ++this.changes;
    return true;
  }

  lease(key: string, attempt: number, change: LeaseChange): boolean {
    const row = this.rows.get(key);
    if (!row || row.status !== "running" || row.attempts !== attempt) return false;
    // Not a log change: no new change number.
    Object.assign(row, change);
    return true;
  }

  recordAttempt(key: string, attempt: number, endedAt: number, error: ErrorData | null, facts: AttemptFacts): void {
    const startedAt = this.rows.get(key)?.attemptStartedAt ?? endedAt;
    const list = this.attempts.get(key) ?? [];
    this.attempts.set(key, [...list.filter((a) => a.attempt !== attempt), { attempt, startedAt, ranAt: facts.ranAt ?? null, endedAt, error, logs: facts.logs ?? [] }]);
  }

  waitingForEvent(name: string): StepRecord | undefined {
    return [...this.rows.values()].filter((row) => row.kind === "event" && row.status === "waiting" && row.event?.name === name).sort((a, b) => a.order - b.order)[0];
  }

  keepEvent(name: string, payload: Json | undefined, at: number): void {
    this.inbox.push({ name, payload, at });
  }

  takeEvent(name: string): { payload: Json | undefined; at: number } | undefined {
    const index = this.inbox.findIndex((event) => event.name === name);
    return index < 0 ? undefined : this.inbox.splice(index, 1)[0];
  }

  lastDelivery(): number {
    return this.deliveries;
  }

  dueWakes(statuses: readonly StepStatus[], now: number): StepRecord[] {
    return this.byTime(statuses, now, (row) => row.wakeAt);
  }

  dueDeadlines(statuses: readonly StepStatus[], now: number): StepRecord[] {
    return this.byTime(statuses, now, (row) => row.deadline);
  }

  open(): StepRecord[] {
    return [...this.rows.values()].filter((row) => isOpenStep(row.status));
  }

  nextDue(): number | null {
    let next: number | null = null;
    for (const row of this.rows.values()) {
      const at = row.status === "sleeping" || row.status === "waiting" || row.status === "retrying" ? row.wakeAt : row.status === "running" || row.status === "queued" ? row.deadline : null;
      if (at !== null && (next === null || at < next)) next = at;
    }
    return next;
  }

  tally(): StepTally {
    const tally: StepTally = { active: 0, waiting: 0, sleeping: 0, children: 0, open: 0 };
    for (const row of this.rows.values()) {
      if (!isOpenStep(row.status)) continue;
      tally.open += 1;
      // A child flow's step waits on the child, as an approval waits on a person.
      if (row.status === "waiting" || (row.kind === "flow" && row.status === "running")) tally.waiting += 1;
      else if (row.status === "sleeping") tally.sleeping += 1;
      else tally.active += 1;
      if (row.kind === "flow" && row.deadline === null) tally.children += 1;
    }
    return tally;
  }

  /** The entries changed after change `since` (all for 0), in the order they changed, as the replay machine reads them. */
  log(since = 0): LogEntry[] {
    return [...this.rows.values()]
      .filter((row) => row.change > since)
      .sort((a, b) => a.change - b.change)
      .map((row) => ({
        key: row.key,
        branch: row.branch,
        seq: row.seq,
        kind: row.kind,
        name: row.name,
        status: row.status,
        attempts: row.attempts,
        result: row.result,
        error: row.error,
        delivery: row.delivery ?? undefined,
        at: row.endedAt ?? undefined,
      }));
  }

  /** Every step, in the order they were recorded. */
  all(): StepRecord[] {
    return [...this.rows.values()].sort((a, b) => a.order - b.order);
  }

  /** The finished attempts of `key`, oldest first. */
  history(key: string): AttemptRecord[] {
    return [...(this.attempts.get(key) ?? [])].sort((a, b) => a.attempt - b.attempt);
  }

  private byTime(statuses: readonly StepStatus[], now: number, time: (row: Row) => number | null): StepRecord[] {
    return [...this.rows.values()]
      .filter((row) => statuses.includes(row.status) && (time(row) ?? Infinity) <= now)
      .sort((a, b) => (time(a) ?? 0) - (time(b) ?? 0) || a.order - b.order);
  }
}
