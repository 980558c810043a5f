// Retry policy: how many times a failed attempt is tried again, and how long to wait
// before each. Pure, so the run object and the in-memory runner share it.

import type { RetryPolicy } from "../options.ts";
import { backoffMs } from "./backoff.ts";
import type { ErrorData } from "./error-data.ts";

/** Errors no retry can fix: the author said so, or the failure is deterministic. */
const NOT_RETRYABLE = new Set(["FatalError", "SerializationError", "NonDeterminismError", "StuckRunError", "InvalidArgumentError", "InvalidInputError", "InvalidOutputError"]);

/** True when an attempt that failed with `error` may be tried again. */
export function isRetryable(error: ErrorData): boolean {
  return !NOT_RETRYABLE.has(error.name);
}

/** True when the body could not be replayed (a divergence, a stuck body): the run fails, the body never sees it. */
export function isReplayFailure(error: ErrorData): boolean {
  return error.name === "NonDeterminismError" || error.name === "StuckRunError";
}

/**
 * Milliseconds to wait before attempt `next` (2 for the first retry), or null when
 * the policy allows no more attempts.
 */
export function retryDelayMs(policy: RetryPolicy, next: number): number | null {
  const retry = next - 1;
  if (retry < 1 || retry > policy.limit) return null;
  return backoffMs(policy.backoff, policy.delay * 1000, retry, policy.maxDelay === undefined ? undefined : policy.maxDelay * 1000);
}
