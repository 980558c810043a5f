// Options of task() and step(): retries and a per-attempt timeout, checked where the
// author calls them, with Cloudflare Workflows' defaults.

import { InvalidArgumentError } from "./errors.ts";

/** How a failed attempt is retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: none). */
  limit: number;
  /** Seconds before the first retry. */
  delay: number;
  /** How the delay grows: the same, by `delay` each time, or doubling. */
  backoff: "constant" | "linear" | "exponential";
  /** Seconds the delay never exceeds. */
  maxDelay?: number;
}

/** Options of task() and step(). */
export interface TaskOptions {
  /** Retry policy; fields left out take the defaults (5 retries, 1 s, exponential). */
  retries?: Partial<RetryPolicy>;
  /** Seconds one attempt may take before it fails with TaskTimeoutError (default 600). */
  timeout?: number;
  /** Seconds a completed result is reused, by any run, instead of running the task again. */
  cacheTtl?: number;
  /** JSON that, with the workflow and task name, identifies a cached result (default null). */
  cacheKey?: unknown;
  /** At most `limit` attempts with this `key` run at once across all runs (or start per `window` seconds). */
  concurrency?: ConcurrencyLimit;
  /** Among tasks waiting for a concurrency slot, higher goes first (default 0). */
  priority?: number;
  /** Worker tag: run this task on the Worker consuming the tag's own queue (e.g. "heavy"). */
  tag?: string;
}

/** Options of step(): retries and a per-attempt timeout. */
export type StepOptions = Pick<TaskOptions, "retries" | "timeout">;

/** A concurrency limit shared by every task that names the same key. */
export interface ConcurrencyLimit {
  key: string;
  limit: number;
  /** Seconds: turns the limit into at most `limit` starts per window (a rate limit). */
  window?: number;
}

/** Task options with every default applied. */
export interface ResolvedTaskOptions {
  retries: RetryPolicy;
  timeout: number;
  cacheTtl?: number;
  cacheKey?: unknown;
  concurrency?: ConcurrencyLimit;
  priority?: number;
  tag?: string;
}

/** The defaults, as Cloudflare Workflows users know them: 5 retries, 1 s, exponential, 10 minutes. */
export const DEFAULT_TASK_OPTIONS: ResolvedTaskOptions = {
  retries: { limit: 5, delay: 1, backoff: "exponential" },
  timeout: 600,
};

const BACKOFFS = new Set(["constant", "linear", "exponential"]);

function seconds(value: unknown, what: string, min: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new InvalidArgumentError(`${what} must be a number of seconds ${min === 0 ? "≥ 0" : "> 0"}, got ${String(value)}`);
  }
  return value;
}

/** Checks task() / step() options and applies the defaults. */
export function resolveTaskOptions(options: TaskOptions | undefined, primitive: string): ResolvedTaskOptions {
  if (options === undefined) return DEFAULT_TASK_OPTIONS;
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError(`${primitive}() options must be an object`);
  const known = new Set(["retries", "timeout", "cacheTtl", "cacheKey", "concurrency", "priority", "tag"]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new InvalidArgumentError(`${primitive}() has no option "${key}"; it takes retries, timeout, cacheTtl, cacheKey, concurrency, priority and tag`);
    }
  }
  if (options.cacheKey !== undefined && options.cacheTtl === undefined) {
    throw new InvalidArgumentError(`${primitive}() cacheKey needs cacheTtl: how many seconds a result may be reused`);
  }
  const given = options.retries ?? {};
  const limit = given.limit ?? DEFAULT_TASK_OPTIONS.retries.limit;
  if (!Number.isInteger(limit) || limit < 0 || limit > 100) {
    throw new InvalidArgumentError(`${primitive}() retries.limit must be an integer from 0 to 100, got ${String(limit)}`);
  }
  const backoff = given.backoff ?? DEFAULT_TASK_OPTIONS.retries.backoff;
  if (!BACKOFFS.has(backoff)) {
    throw new InvalidArgumentError(`${primitive}() retries.backoff must be "constant", "linear" or "exponential", got ${JSON.stringify(backoff)}`);
  }
  const retries: RetryPolicy = {
    limit,
    delay: seconds(given.delay ?? DEFAULT_TASK_OPTIONS.retries.delay, `${primitive}() retries.delay`, 0),
    backoff,
  };
  if (given.maxDelay !== undefined) retries.maxDelay = seconds(given.maxDelay, `${primitive}() retries.maxDelay`, 0);
  const resolved: ResolvedTaskOptions = {
    retries,
    timeout: seconds(options.timeout ?? DEFAULT_TASK_OPTIONS.timeout, `${primitive}() timeout`, Number.MIN_VALUE),
  };
  if (options.tag !== undefined) {
    if (typeof options.tag !== "string" || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(options.tag)) {
      throw new InvalidArgumentError(`${primitive}() tag must be 1 to 40 lowercase letters, digits or dashes, got ${JSON.stringify(options.tag)}`);
    }
    resolved.tag = options.tag;
  }
  if (options.priority !== undefined) {
    if (!Number.isInteger(options.priority)) throw new InvalidArgumentError(`${primitive}() priority must be an integer, got ${String(options.priority)}`);
    resolved.priority = options.priority;
  }
  if (options.concurrency !== undefined) {
    const { key, limit, window } = options.concurrency;
    if (typeof key !== "string" || key.length === 0 || key.length > 200) {
      throw new InvalidArgumentError(`${primitive}() concurrency.key must be a non-empty string of at most 200 characters`);
    }
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError(`${primitive}() concurrency.limit must be an integer ≥ 1, got ${String(limit)}`);
    resolved.concurrency = { key, limit };
    if (window !== undefined) resolved.concurrency.window = seconds(window, `${primitive}() concurrency.window`, Number.MIN_VALUE);
  }
  if (options.cacheTtl !== undefined) {
    resolved.cacheTtl = seconds(options.cacheTtl, `${primitive}() cacheTtl`, Number.MIN_VALUE);
    resolved.cacheKey = options.cacheKey ?? null;
  }
  return resolved;
}
