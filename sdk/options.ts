// Options of task() and step(): retries and a per-attempt timeout, checked where the
// author calls them, with Cloudflare Workflows' defaults.

import { onlyKnownKeys, toSeconds, type Duration } from "./duration.ts";
import { InvalidArgumentError } from "./errors.ts";

/** How a failed attempt is retried (as recorded: durations in seconds). */
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

/** A retry policy as an author writes it: any field left out takes its default; durations as seconds or strings. */
export interface RetryOptions {
  /** Retries after the first attempt (0: none; default 5). */
  limit?: number;
  /** Wait before the first retry (default 1 second). */
  delay?: Duration;
  /** How the wait grows: the same, by `delay` each time, or doubling (default). */
  backoff?: "constant" | "linear" | "exponential";
  /** Longest wait between attempts. */
  maxDelay?: Duration;
}

/** Options of task() and step(). */
export interface TaskOptions {
  /** Retry policy; fields left out take the defaults (5 retries, 1 s, exponential). */
  retries?: RetryOptions;
  /** How long one attempt may take before it fails with TaskTimeoutError (default 600 seconds). */
  timeout?: Duration;
  /**
   * How long an attempt may wait for a consumer to take it, or run without a heartbeat
   * (consumers send them while the closure runs), before it is sent again: how fast a
   * lost message or a dead consumer is noticed (default 30 seconds).
   */
  heartbeatTimeout?: Duration;
  /** How long a completed result is reused, by any run, instead of running the task again. */
  cacheTtl?: Duration;
  /** JSON that, with the workflow and task name, identifies a cached result (default null). */
  cacheKey?: unknown;
  /** At most `limit` attempts with this `key` run at once across all runs (or start per `window` seconds). */
  concurrency?: ConcurrencyLimit;
  /** Among tasks waiting for a concurrency slot, higher goes first (default 0). */
  priority?: number;
  /** Worker tag: run this task on the Worker consuming the tag's own queue (e.g. "heavy"). */
  tag?: string;
  /** Run this task on a worker you run that polls this queue (e.g. "gpu": `npx baton worker --queue gpu`), not in a Worker. */
  queue?: string;
}

/** Options of step(): retries and a per-attempt timeout. */
export type StepOptions = Pick<TaskOptions, "retries" | "timeout">;

/** A concurrency limit shared by every task that names the same key. */
export interface ConcurrencyLimit {
  key: string;
  limit: number;
  /** Turns the limit into at most `limit` starts per window (a rate limit); seconds or a duration string. */
  window?: Duration;
}

/** A concurrency limit as recorded: the window in seconds. */
export interface ResolvedConcurrencyLimit {
  key: string;
  limit: number;
  window?: number;
}

/** Task options with every default applied. */
export interface ResolvedTaskOptions {
  retries: RetryPolicy;
  timeout: number;
  /** Seconds; left out for the default (DEFAULT_HEARTBEAT_TIMEOUT_SECONDS). */
  heartbeatTimeout?: number;
  cacheTtl?: number;
  cacheKey?: unknown;
  concurrency?: ResolvedConcurrencyLimit;
  priority?: number;
  tag?: string;
  queue?: string;
}

/** The defaults, as Cloudflare Workflows users know them: 5 retries, 1 s, exponential, 10 minutes. */
export const DEFAULT_TASK_OPTIONS: ResolvedTaskOptions = {
  retries: { limit: 5, delay: 1, backoff: "exponential" },
  timeout: 600,
};

/** How long an attempt may go unclaimed or without a heartbeat when its options do not say. */
export const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 30;

/** The heartbeat timeout of an attempt with these options, in ms. */
export function heartbeatTimeoutMs(options: ResolvedTaskOptions): number {
  return (options.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT_SECONDS) * 1000;
}

const BACKOFFS = new Set(["constant", "linear", "exponential"]);

const TASK_OPTIONS = ["retries", "timeout", "heartbeatTimeout", "cacheTtl", "cacheKey", "concurrency", "priority", "tag", "queue"] as const;
const RETRY_OPTIONS = ["limit", "delay", "backoff", "maxDelay"] as const;
const CONCURRENCY_OPTIONS = ["key", "limit", "window"] as const;

/** Checks task() / step() options and applies the defaults. */
export function resolveTaskOptions(options: TaskOptions | undefined, primitive: string): ResolvedTaskOptions {
  if (options === undefined) return DEFAULT_TASK_OPTIONS;
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError(`${primitive}() options must be an object`);
  onlyKnownKeys(options, TASK_OPTIONS, `${primitive}()`);
  if (options.cacheKey !== undefined && options.cacheTtl === undefined) {
    throw new InvalidArgumentError(`${primitive}() cacheKey needs cacheTtl: how many seconds a result may be reused`);
  }
  const given = options.retries ?? {};
  if (typeof given !== "object" || given === null) throw new InvalidArgumentError(`${primitive}() retries must be an object, e.g. { limit: 3, delay: "10 seconds" }`);
  onlyKnownKeys(given, RETRY_OPTIONS, `${primitive}() retries`);
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
    delay: toSeconds(given.delay ?? DEFAULT_TASK_OPTIONS.retries.delay, `${primitive}() retries.delay`),
    backoff,
  };
  if (given.maxDelay !== undefined) retries.maxDelay = toSeconds(given.maxDelay, `${primitive}() retries.maxDelay`);
  const resolved: ResolvedTaskOptions = {
    retries,
    timeout: toSeconds(options.timeout ?? DEFAULT_TASK_OPTIONS.timeout, `${primitive}() timeout`, 0, true),
  };
  if (options.heartbeatTimeout !== undefined) resolved.heartbeatTimeout = toSeconds(options.heartbeatTimeout, `${primitive}() heartbeatTimeout`, 1);
  if (options.tag !== undefined) {
    if (typeof options.tag !== "string" || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(options.tag)) {
      throw new InvalidArgumentError(`${primitive}() tag must be 1 to 40 lowercase letters, digits or dashes, got ${JSON.stringify(options.tag)}`);
    }
    resolved.tag = options.tag;
  }
  if (options.queue !== undefined) {
    if (typeof options.queue !== "string" || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(options.queue)) {
      throw new InvalidArgumentError(`${primitive}() queue must be 1 to 63 lowercase letters, digits or dashes, got ${JSON.stringify(options.queue)}`);
    }
    if (options.tag !== undefined) throw new InvalidArgumentError(`${primitive}() takes a tag (a Worker's queue) or a queue (workers you run), not both`);
    resolved.queue = options.queue;
  }
  if (options.priority !== undefined) {
    if (!Number.isInteger(options.priority)) throw new InvalidArgumentError(`${primitive}() priority must be an integer, got ${String(options.priority)}`);
    resolved.priority = options.priority;
  }
  if (options.concurrency !== undefined) {
    if (typeof options.concurrency !== "object" || options.concurrency === null) {
      throw new InvalidArgumentError(`${primitive}() concurrency must be an object, e.g. { key: "api", limit: 5 }`);
    }
    onlyKnownKeys(options.concurrency, CONCURRENCY_OPTIONS, `${primitive}() concurrency`);
    const { key, limit, window } = options.concurrency;
    if (typeof key !== "string" || key.length === 0 || key.length > 200) {
      throw new InvalidArgumentError(`${primitive}() concurrency.key must be a non-empty string of at most 200 characters`);
    }
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError(`${primitive}() concurrency.limit must be an integer ≥ 1, got ${String(limit)}`);
    resolved.concurrency = { key, limit };
    if (window !== undefined) resolved.concurrency.window = toSeconds(window, `${primitive}() concurrency.window`, 0, true);
  }
  if (options.cacheTtl !== undefined) {
    resolved.cacheTtl = toSeconds(options.cacheTtl, `${primitive}() cacheTtl`, 0, true);
    resolved.cacheKey = options.cacheKey ?? null;
  }
  return resolved;
}
