// Cancellation inside an execution. The run's cancel is an outcome of its own in the
// log (key `cancel#0`, with a delivery place like any other), so every replay hands it
// to the body at the same point: each call the body awaits then, outside
// nonCancellable(), rejects with CancelledError and its step ends cancelled; what the
// body calls after (its cleanup) runs as usual, and the run ends `cancelled` when the
// body ends. A call's own signal and race() cancel one call the same way; they happen
// in body code, so at the same point in every replay, and need no entry of their own.
// It also keeps the saga's compensations (rollbacks.ts): the body's end asks here
// whether they run first — after a failure, or a cancel whose row says `rollback`.

import { CANCEL_HANDLE, type CancellablePromise } from "../cancel.ts";
import { CancelledError } from "../errors.ts";
import type { ResolvedRollback } from "../rollback.ts";
import type { Outcome, RunOutcome, Settled } from "./log.ts";
import { cancelRollsBack, Rollbacks, type RollbackCalls } from "./rollbacks.ts";
import type { WaitingCalls } from "./waiting-calls.ts";

/** The key of the run's cancel in the log. It takes no position in any branch. */
export const CANCEL_KEY = "cancel#0";

/**
 * How long a cancelled run's body may go on cleaning up (5 minutes): past it the run
 * ends `cancelled` at once, its open steps cancelled and its body halted, as a second
 * cancel does.
 */
export const CANCEL_GRACE_MS = 5 * 60 * 1000;

/** Where a call was made: its own signal, and whether inside nonCancellable(). */
export interface CallSite {
  signal?: AbortSignal | undefined;
  shielded: boolean;
  /** task() and step(): the call's compensation (rollbacks.ts). */
  rollback?: ResolvedRollback | undefined;
}

/** The error a call the run's cancel interrupts rejects with. */
export function runCancelled(): CancelledError {
  return new CancelledError("the run was cancelled");
}

/** The error a call cancelled by its signal (or a lost race) rejects with; the signal's reason as its cause. */
export function callCancelled(what: string, reason: unknown): CancelledError {
  return new CancelledError(`${what} was cancelled by its signal`, reason instanceof Error ? { cause: reason } : undefined);
}

/**
 * What an execution knows of cancellation: whether the run's cancel was delivered, and
 * which calls were cancelled; it makes each waiting call's promise cancellable.
 */
export class Cancellation {
  /** True once the run's cancel reached the body: however the body ends, the run ends cancelled. */
  requested = false;
  /** The compensations of completed steps, run when the body fails or a cancel asks for them. */
  readonly rollbacks = new Rollbacks();
  /** Calls cancelled before their outcome was handed over: an outcome recorded for one later is passed over. */
  private readonly dropped = new Set<string>();
  private readonly waiting: WaitingCalls;
  private readonly cancelled: (key: string) => void;
  private readonly undelivered: () => Settled[];

  /** `cancelled(key)` is told of each call cancelled, once its promise rejected; `undelivered` answers the outcomes stored and not yet handed over. */
  constructor(waiting: WaitingCalls, cancelled: (key: string) => void, undelivered: () => Settled[] = () => []) {
    this.waiting = waiting;
    this.cancelled = cancelled;
    this.undelivered = undelivered;
  }

  /** The promise of the call at `key`, waiting for its outcome; its signal, a lost race or the run's cancel may end it early. */
  wait<T>(key: string, site: CallSite): Promise<T> {
    return watched<T>(this.waiting, key, site, (error) => this.cancel(key, error));
  }

  /** The run's cancel (`outcome`: its row's, which says whether to roll back) reached the body: every call it awaits outside nonCancellable() is cancelled. True: handed over. */
  cancelRun(outcome: Outcome): true {
    this.requested = true;
    this.rollbacks.onCancel = cancelRollsBack(outcome);
    for (const key of this.waiting.cancellable()) this.cancel(key, runCancelled());
    return true;
  }

  /**
   * The body ended as `end`: true when its rollbacks run first (rollbacks.ts), the
   * calls it still waits for given up; `done` then gets the run's end.
   */
  unwinds(end: RunOutcome, calls: RollbackCalls, done: (end: RunOutcome) => void): boolean {
    if (this.rollbacks.running) return true;
    const unwound = this.rollbacks.unwind(end, calls, () => this.abandon(), this.undelivered);
    if (unwound) void unwound.then(done);
    return unwound !== undefined;
  }

  /** Gives up every waiting call without settling it (the body is over): its step ends cancelled, and an outcome recorded for it later is passed over. */
  private abandon(): void {
    const keys = this.waiting.keys();
    this.waiting.clear();
    for (const key of keys) {
      this.dropped.add(key);
      this.cancelled(key);
    }
  }

  /** Rejects the waiting call at `key` with `error`, if it still waits. */
  cancel(key: string, error: Error): void {
    if (!this.waiting.reject(key, error)) return;
    this.dropped.add(key);
    this.cancelled(key);
  }

  /** True when the call at `key` was cancelled: its outcome is not handed over. */
  passes(key: string): boolean {
    return this.dropped.has(key);
  }
}

/**
 * The promise of the call at `key`, waiting for its outcome: its signal aborting, or
 * the hidden handle race() calls, ends it early through `cancel`.
 */
export function watched<T>(waiting: WaitingCalls, key: string, site: CallSite, cancel: (error: Error) => void): Promise<T> {
  const promise: CancellablePromise<T> = waiting.wait<T>(key, site.shielded);
  const signal = site.signal;
  if (signal) {
    const onAbort = (): void => cancel(callCancelled(`"${key}"`, signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    waiting.onDone(key, () => signal.removeEventListener("abort", onAbort));
  }
  Object.defineProperty(promise, CANCEL_HANDLE, { value: (reason: unknown) => cancel(callCancelled(`"${key}"`, reason)) });
  return promise;
}

/** The rejection of a call whose signal was aborted before it was made: it takes no step. */
export function alreadyAborted<T>(site: CallSite, what: string): Promise<T> | undefined {
  return site.signal?.aborted ? Promise.reject(callCancelled(what, site.signal.reason)) : undefined;
}
