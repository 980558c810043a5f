// A run object's one alarm, kept at or before the earliest thing the run waits for.
// While tasks or steps are open it only ever moves earlier (a later deadline needs no
// storage write: an early alarm just re-arms), so a run of n tasks does not write it n
// times; a run that only sleeps gets it exactly at the wake time, so nothing wakes it
// early. It exists while the run is active (unless only child runs can move it on:
// they tell it when they end); once the run has ended and its index update and
// signals are through, it is set for the end of the run's retention. Every storage
// write that makes something due covers it in the same commit (`cover`), so a crash
// between two writes never leaves the alarm later than what the run waits for.

import { isTerminal, LIVENESS_MS, type RunMachine } from "baton-workflows/engine";
import type { RunStore } from "./run-store.ts";
import { isPending } from "./pending-start.ts";

/** What the alarm must cover, as the run object reads it. */
export interface AlarmNeeds {
  now: number;
  /** The run was created and its body has not started yet. */
  queued: boolean;
  /** A debounced run's start time, while it is ahead: the body begins then, not now. */
  startsAt: number | null;
  /** The run is not over. */
  active: boolean;
  /** The machine's next wake, retry or deadline. */
  next: number | null;
  /** Only child runs can move the run on. */
  waitsOnlyForChildren: boolean;
  /** The next approval email due. */
  email: number | null;
  /** When the list must next be told of the run: a failed update's retry, or the liveness window for one in flight. */
  indexRetry: number | null;
  /** The next signal to another run that is due. */
  signal: number | null;
  /** The run sleeps or waits for an approval, and nothing else is open. */
  onlySleeping: boolean;
  /** An ended run: when its retention ends and it deletes itself (null: kept for ever). */
  expire: number | null;
}

/** What the alarm must cover for the run `store` holds, now; null when it holds none. */
export function alarmNeedsOf(store: RunStore, machine: RunMachine, env: { BATON_RETENTION_DAYS?: string | undefined }, now: number): AlarmNeeds | null {
  const run = store.run();
  if (!run) return null;
  // A paused run fires no timer: what fell due meanwhile fires on resume.
  const active = !isTerminal(run.status) && run.status !== "paused";
  return {
    now,
    queued: run.status === "queued",
    startsAt: isPending(run, now) ? run.startsAt : null,
    next: active ? machine.nextDue() : null,
    waitsOnlyForChildren: active && machine.waitsOnlyForChildren(),
    active,
    email: active ? store.emails.nextAt() : null,
    // An update in flight is looked at again within the liveness window: a crash must not leave the list behind.
    indexRetry: run.indexedRevision < run.revision ? (run.indexRetryAt ?? run.updatedAt + LIVENESS_MS) : null,
    signal: store.signals.nextAt(),
    expire: isTerminal(run.status) ? expiryOf(run.updatedAt, retentionMs(env)) : null,
    // A pending run's start may be pushed later: the alarm moves with it.
    onlySleeping: isPending(run, now) || ((run.status === "sleeping" || run.status === "waiting") && machine.liveStatus() === run.status),
  };
}

/** How long an ended run is kept: BATON_RETENTION_DAYS (default 30; "never" keeps runs for ever). */
export function retentionMs(env: { BATON_RETENTION_DAYS?: string | undefined }): number | null {
  const setting = env.BATON_RETENTION_DAYS?.trim();
  if (setting === undefined || setting === "") return DEFAULT_RETENTION_DAYS * DAY_MS;
  if (setting.toLowerCase() === "never") return null;
  const days = Number(setting);
  if (Number.isFinite(days) && days > 0) return days * DAY_MS;
  if (!warned) {
    warned = true;
    console.warn(`baton: BATON_RETENTION_DAYS must be a positive number of days or "never", not "${setting}"; keeping ended runs ${DEFAULT_RETENTION_DAYS} days`);
  }
  return DEFAULT_RETENTION_DAYS * DAY_MS;
}

/** When an ended run's retention ends. */
export function expiryOf(endedAt: number, retention: number | null): number | null {
  return retention === null ? null : endedAt + retention;
}

/** Days an ended run is kept unless BATON_RETENTION_DAYS says otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
let warned = false;

export class RunAlarm {
  /** The alarm as stored (null: none). */
  private at: number | null;
  private readonly storage: DurableObjectStorage;

  /** `at` is the stored alarm, read before the object takes its first event. */
  constructor(storage: DurableObjectStorage, at: number | null) {
    this.storage = storage;
    this.at = at;
  }

  /** The alarm went off: there is none until the next write sets one. */
  fired(): void {
    this.at = null;
  }

  /** Where the alarm stands. */
  get stored(): number | null {
    return this.at;
  }

  /**
   * Moves the alarm to `at` if that is earlier. Called synchronously with the storage
   * write that makes something due at `at`, so both are one commit: no crash can store
   * the one without the other.
   */
  cover(at: number): void {
    if (this.at !== null && this.at <= at) return;
    this.write(at);
  }

  /** Removes the alarm (the run's storage is being erased). */
  clear(): void {
    this.at = null;
    void this.storage.deleteAlarm();
  }

  /** Sets, moves or deletes the alarm to cover `needs`, synchronously with the writes before it. */
  sync(needs: AlarmNeeds): void {
    const due: number[] = [];
    if (needs.queued) due.push(needs.startsAt ?? needs.now);
    if (needs.active) {
      if (needs.next !== null) due.push(needs.next);
      // The body is between two recorded calls: a crash now must cost no more than the liveness window.
      // A run waiting only for its children needs no alarm: they tell it when they end.
      // A pending run has no body yet: nothing to lose before its start.
      else if (!needs.waitsOnlyForChildren && needs.startsAt === null) due.push(needs.now + LIVENESS_MS);
      if (needs.email !== null) due.push(needs.email);
    }
    if (needs.indexRetry !== null) due.push(needs.indexRetry);
    // Signals (a child's end to its parent, above all) outlive the run's end.
    if (needs.signal !== null) due.push(needs.signal);
    if (needs.expire !== null) due.push(needs.expire);
    const next = due.length > 0 ? Math.min(...due) : null;
    if (next === null) {
      if (this.at !== null) this.clear();
    } else if (this.at === null || next < this.at || (next > this.at && (needs.onlySleeping || !needs.active))) {
      this.write(next);
    }
  }

  // Not awaited: storage applies alarm writes in call order, within the same commit as the
  // writes before them, and the output gate holds every answer until that commit is done.
  private write(at: number): void {
    this.at = at;
    void this.storage.setAlarm(at);
  }
}
