// The faults a test may inject into one run object: where it stops as a crash would,
// task messages lost on the way to the queue, deliveries to another run that fail, and
// smaller limits. A production object's faults are empty and it only reads them; the
// control surface that sets them (src/testing/test-run-object.ts) is not part of it.

import type { Signal } from "./signal-table.ts";

export type { Signal };

/**
 * Where a test may cut a run object off, as a crash would: "transition", once an event's
 * transition is stored (before the body runs on and before the alarm is synced);
 * "recorded", once the body recorded its next calls (before anything is sent);
 * "sent", once the task messages went out (before signals, emails, the list and the alarm).
 */
export type CutPoint = "transition" | "recorded" | "sent";

/** Faults injected into one run object's sending; none unless a test sets them. */
export interface Faults {
  /** Where the object stops as if it crashed (its memory gone, nothing after that point run); "stopped" once it did. */
  cutOff?: CutPoint | "stopped";
  /** How many of the run's next task messages to drop instead of sending (lost on the way to the queue). */
  loseTaskMessages?: number;
  /** Called before each signal is delivered; throwing makes that delivery fail. */
  signal?: (signal: Signal) => void;
  /** Smaller per-run limits than MAX_RUN_STEPS, MAX_RUN_LOG_BYTES and MAX_RUN_PAYLOAD_BYTES, so a test reaches them quickly. */
  limits?: { steps?: number; logBytes?: number; payloadBytes?: number };
  /** How long an update's call waits for the body and the answer (ms) instead of UPDATE_WAIT_MS, so a test sees one pending. */
  updateWaitMs?: number;
}

