// The body's calls waiting for their outcomes, by key: each call's promise stays
// pending until its outcome is handed to it, once; a failure reaches the body as the
// error it recorded.

import { fromErrorData } from "./error-data.ts";
import type { Outcome } from "./log.ts";

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
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

  /** The promise the call at `key` returns: settled when its outcome is handed over. */
  wait<T>(key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiters.set(key, { resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Gives the call at `key` its outcome; false when no such call waits. */
  settle(key: string, outcome: Outcome): boolean {
    const waiter = this.waiters.get(key);
    if (!waiter) return false;
    this.waiters.delete(key);
    if (outcome.ok) waiter.resolve(outcome.value);
    else waiter.reject(fromErrorData(outcome.error, key));
    return true;
  }

  /** Forgets every waiting call: their promises stay pending. */
  clear(): void {
    this.waiters.clear();
  }
}
