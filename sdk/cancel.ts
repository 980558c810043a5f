// Cancellation as a workflow body sees it: the `signal` option every primitive takes,
// `race()` (which cancels the calls that lost) and `nonCancellable()` (cleanup the run's
// cancel does not interrupt). Web-standard only; the engine does the rest.

import { currentContext, type CallControl } from "./context.ts";
import { CancelledError, InvalidArgumentError } from "./errors.ts";

/**
 * The hidden handle a primitive's promise carries: calling it cancels the pending
 * call as if its signal aborted. Symbol.for, so two copies of the package agree.
 */
export const CANCEL_HANDLE: unique symbol = Symbol.for("baton.cancel") as never;

/** What every primitive's options take besides their own. */
export interface CallOptions {
  /** Aborting it rejects the pending call with CancelledError (its `cause` the abort's reason) and cancels its step; already aborted, the call rejects at once. */
  signal?: AbortSignal;
}

/** A promise a primitive returned, with its cancel handle. */
export type CancellablePromise<T> = Promise<T> & { [CANCEL_HANDLE]?: (reason: unknown) => void };

/**
 * Splits `signal` off a primitive's options: the rest is checked and recorded as
 * before, the signal never is. A signal that is not an AbortSignal is refused.
 */
export function takeSignal<O extends object>(options: O | undefined, primitive: string): { options: O | undefined; control: CallControl } {
  if (typeof options !== "object" || options === null || !("signal" in options)) return { options, control: {} };
  const { signal, ...rest } = options as O & { signal?: unknown };
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidArgumentError(`${primitive} signal must be an AbortSignal (new AbortController().signal), got ${describe(signal)}`);
  }
  return { options: rest as O, control: signal === undefined ? {} : { signal } };
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof AbortSignal !== "undefined" && value instanceof AbortSignal;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return JSON.stringify(value) ?? typeof value;
}

/** One contestant of race(): a promise (a primitive's is cancelled when it loses), or a function given a signal that aborts when it loses. */
export type RaceEntry<T> = PromiseLike<T> | ((signal: AbortSignal) => PromiseLike<T>);

/**
 * Settles like Promise.race with the first entry to settle, then cancels the others:
 * a primitive's pending call rejects with CancelledError (its step ends cancelled, a
 * lost event wait takes no later event), and a function entry's signal aborts.
 * Promises of anything else are simply left to settle.
 */
export function race<T>(entries: readonly RaceEntry<T>[]): Promise<T> {
  if (!Array.isArray(entries)) throw new InvalidArgumentError("race() takes an array of promises or functions (signal) => promise");
  const controllers = entries.map(() => new AbortController());
  const promises = entries.map((entry, index): PromiseLike<T> => {
    if (typeof entry === "function") return entry((controllers[index] as AbortController).signal);
    if (entry === null || typeof (entry as { then?: unknown }).then !== "function") {
      throw new InvalidArgumentError(`race() entry ${index} is neither a promise nor a function (signal) => promise`);
    }
    return entry;
  });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (winner: number, settle: () => void): void => {
      if (settled) return;
      settled = true;
      settle();
      // In the same turn as the winner settles: a loser's wait takes nothing that comes after.
      const reason = new CancelledError(`race() entry ${winner} settled first`);
      promises.forEach((promise, index) => {
        if (index === winner) return;
        (promise as CancellablePromise<T>)[CANCEL_HANDLE]?.(reason);
        (controllers[index] as AbortController).abort(reason);
      });
    };
    promises.forEach((promise, index) => {
      promise.then(
        (value: T) => finish(index, () => resolve(value)),
        (error: unknown) => finish(index, () => reject(error)),
      );
    });
  });
}

/**
 * Runs `fn` as cleanup that must finish: the primitives it awaits are not interrupted
 * when the run is cancelled (their own `signal` still cancels them). The run still ends
 * `cancelled` once the body ends, within the cancel's grace deadline.
 */
export function nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
  if (typeof fn !== "function") throw new InvalidArgumentError("nonCancellable() takes an async function: nonCancellable(async () => { ... })");
  return currentContext("nonCancellable").nonCancellable(fn);
}
