// The bytes one run holds against MAX_RUN_LOG_BYTES: step results and errors, and events
// kept for a wait. Both a new event (refused) and a grown log (the run fails) are judged
// by the same count.

import { StepLimitError } from "baton-workflows";
import { MAX_RUN_LOG_BYTES } from "./limits.ts";
import type { RunStore } from "./run-store.ts";

/** Bytes the run holds: step results and errors, and events kept for a wait. */
function heldBytes(store: RunStore, now: number): number {
  return store.steps.logBytes() + store.inbox.bytes(now);
}

/** Why keeping `extra` more bytes would pass what one run may hold (`max`, by default MAX_RUN_LOG_BYTES), or null. */
export function byteLimitProblem(store: RunStore, max: number | undefined, extra: number, now: number): string | null {
  const held = heldBytes(store, now);
  const limit = max ?? MAX_RUN_LOG_BYTES;
  return held + extra > limit ? `the run holds ${held} bytes of results and kept events; this event (${extra} bytes) would pass the ${limit}-byte limit per run` : null;
}

/** The StepLimitError of a run that holds more than `max` (by default MAX_RUN_LOG_BYTES) bytes, or undefined. */
export function byteLimitError(store: RunStore, max: number | undefined, now: number): StepLimitError | undefined {
  const bytes = heldBytes(store, now);
  const limit = max ?? MAX_RUN_LOG_BYTES;
  if (bytes <= limit) return undefined;
  return new StepLimitError(`the run holds ${bytes} bytes of step results, over the ${limit}-byte limit per run; store large data elsewhere (R2, KV, or a BATON_PAYLOADS bucket) and return a reference`);
}
