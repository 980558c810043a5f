// The body's calls waiting for their outcomes, by key: each call's promise stays
// pending until its outcome is handed to it, once; a failure reaches the body as the
// error it recorded. A call may instead be cancelled (its signal, a lost race, the
// run's cancel): it rejects with CancelledError and takes no outcome after.

import { fromErrorData } from "./error-data.ts";
import type { Outcome } from "./log.ts";

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Made inside nonCancellable(): the run's cancel passes it by. */
  shielded: boolean;
  /** Stops listening for the call's signal, once it is answered. */
  detach(): void;
}

/** Calls made and not yet answered, by key. */
export class WaitingCalls {
  private readonly waiters = new Map<string, Waiter>();

  /** How many calls wait. */
  get size(): number {
    return this.waiters.size;
  }

  /** The keys of the calls that wait, in the order they were made. */
  keys(): string[] {
    return [...this.waiters.keys()];
  }

  /** The keys of the calls the run's cancel interrupts: all but those made inside nonCancellable(). */
  cancellable(): string[] {
    return [...this.waiters].flatMap(([key, waiter]) => (waiter.shielded ? [] : [key]));
  }

  /** The promise the call at `key` returns: settled when its outcome is handed over. */
  wait<T>(key: string, shielded = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiters.set(key, { resolve: resolve as (value: unknown) => void, reject, shielded, detach: () => {} });
    });
  }

  /** Runs `detach` once the call at `key` is answered, cancelled or forgotten. */
  onDone(key: string, detach: () => void): void {
    const waiter = this.waiters.get(key);
    if (waiter) waiter.detach = detach;
  }

  /** Gives the call at `key` its outcome; false when no such call waits. */
  settle(key: string, outcome: Outcome): boolean {
    const waiter = this.take(key);
    if (!waiter) return false;
    if (outcome.ok) waiter.resolve(outcome.value);
    else waiter.reject(fromErrorData(outcome.error, key));
    return true;
  }

  /** Rejects the call at `key` with `error` (it was cancelled); false when no such call waits. */
  reject(key: string, error: Error): boolean {
    const waiter = this.take(key);
    if (!waiter) return false;
    waiter.reject(error);
    return true;
  }

  /** Forgets every waiting call: their promises stay pending. */
  clear(): void {
    for (const waiter of this.waiters.values()) waiter.detach();
    this.waiters.clear();
  }

  private take(key: string): Waiter | undefined {
    const waiter = this.waiters.get(key);
    if (!waiter) return undefined;
    this.waiters.delete(key);
    waiter.detach();
    return waiter;
  }
}
