// A debounced run's delayed start. Such a run is created queued with a start time
// (`starts_at`); its body does not begin before then, and the run's one alarm is set
// for it, so the start survives eviction and restart. A later start with the run's
// debounce key moves the time (start-gate.ts); once the body has begun it never moves.

import type { RunRow } from "./run-store.ts";

/** True while the run's start time is still ahead: it has not begun, whatever else it is (queued, or paused before it began). */
export function startsLater(run: RunRow, now: number): boolean {
  return run.startsAt !== null && run.startsAt > now;
}

/** True while a debounced run waits for its start: queued, its start time still ahead. */
export function isPending(run: RunRow | undefined, now: number): boolean {
  return run !== undefined && run.status === "queued" && startsLater(run, now);
}
