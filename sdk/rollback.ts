// Saga rollback as an author writes it: `task(fn, { rollback })` and `step(fn, {
// rollback })` name the compensation of a step. When the run fails (or is cancelled
// with `rollback: true`), the rollbacks of the steps that completed run newest first,
// each a step of its own (sdk/core/rollbacks.ts). The argument mirrors Cloudflare
// Workflows' rollback handlers: `{ output, error, ctx }`.

import type { TaskContext } from "./context.ts";
import { onlyKnownKeys } from "./duration.ts";
import { InvalidArgumentError } from "./errors.ts";
import { resolveTaskOptions, type ResolvedTaskOptions, type TaskOptions } from "./options.ts";

/** What a rollback closure's context adds to a task's: the step it rolls back. */
export interface RollbackContext extends TaskContext {
  /** The step being rolled back (`key` and `attempt` are the rollback's own). */
  readonly step: { readonly key: string; readonly name: string };
}

/** What a rollback receives. */
export interface RollbackArgs<T> {
  /** What the step being rolled back returned. */
  output: T;
  /** Why the run rolls back: the error the workflow failed with, or a CancelledError for a cancel with rollback. */
  error: Error;
  /** This rollback attempt's context (key, attempt, signal, traceparent) and the step it rolls back. */
  ctx: RollbackContext;
}

/** A compensation: undoes what its step did. Its result is checkpointed as the rollback step's. */
export type RollbackFn<T> = (args: RollbackArgs<T>) => unknown;

/** A rollback's own retries and timeouts; anything left out is the step's own. */
export type RollbackOptions = Pick<TaskOptions, "retries" | "timeout" | "heartbeatTimeout">;

/** A rollback as written: a function, or the function with options of its own. */
export type Rollback<T> = RollbackFn<T> | ({ fn: RollbackFn<T> } & RollbackOptions);

/** The option task() and step() take for saga rollback. */
export interface RollbackOption<T> {
  /** Runs, newest first with the other completed steps' rollbacks, when the run fails or is cancelled with `rollback: true`. */
  rollback?: Rollback<T>;
}

/** A rollback as the engine receives it: its function and its resolved options. */
export interface ResolvedRollback {
  fn: RollbackFn<unknown>;
  options: ResolvedTaskOptions;
}

const ROLLBACK_OPTIONS = ["fn", "retries", "timeout", "heartbeatTimeout"] as const;

/**
 * Splits `rollback` off task() or step() options, checked; `resolve` then makes its
 * resolved form from the step's own resolved options (what the rollback inherits).
 */
export function takeRollback<O extends object>(options: O | undefined, primitive: "task" | "step"): { options: O | undefined; resolve: (step: ResolvedTaskOptions) => { rollback?: ResolvedRollback } } {
  if (typeof options !== "object" || options === null || !("rollback" in options)) return { options, resolve: () => ({}) };
  const { rollback, ...rest } = options as O & { rollback?: unknown };
  if (rollback === undefined) return { options: rest as O, resolve: () => ({}) };
  const wrong = `${primitive}() rollback must be a function ({ output, error, ctx }) => ... or { fn, retries?, timeout?, heartbeatTimeout? }`;
  if (typeof rollback === "function") return { options: rest as O, resolve: (step) => ({ rollback: { fn: rollback as RollbackFn<unknown>, options: inherited(step) } }) };
  if (typeof rollback !== "object" || rollback === null || typeof (rollback as { fn?: unknown }).fn !== "function") throw new InvalidArgumentError(wrong);
  onlyKnownKeys(rollback, ROLLBACK_OPTIONS, `${primitive}() rollback`);
  const { fn, ...own } = rollback as { fn: RollbackFn<unknown> } & RollbackOptions;
  // Checked now, where the author wrote them, not when the run fails.
  const resolved = resolveTaskOptions(own, `rollback of ${primitive}`);
  return {
    options: rest as O,
    resolve: (step) => {
      const options = inherited(step);
      if (own.retries !== undefined) options.retries = resolved.retries;
      if (own.timeout !== undefined) options.timeout = resolved.timeout;
      if (resolved.heartbeatTimeout !== undefined) options.heartbeatTimeout = resolved.heartbeatTimeout;
      return { rollback: { fn, options } };
    },
  };
}

/** The step's options a rollback keeps: where and how it runs, never the step's cached result. */
function inherited(step: ResolvedTaskOptions): ResolvedTaskOptions {
  const { cacheTtl: _ttl, cacheKey: _key, ...rest } = step;
  return { ...rest, retries: { ...rest.retries } };
}
