// How long the run state machine waits on a task attempt in flight: the watchdog's
// grace after a timeout, how often an untaken attempt is sent again, and the liveness
// window. The machine's transitions and the hosts' alarms read the same numbers.

import { DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, type ResolvedTaskOptions } from "../../options.ts";

/** How long after a claimed task attempt's timeout its silence counts as a failure (its report was lost). */
export const WATCHDOG_GRACE_MS = 10_000;
/**
 * How often an attempt no consumer took is sent again (the first after its heartbeat
 * timeout, then each wait twice the last, at most MAX_RESEND_WAIT_MS) before it fails
 * with TaskDeliveryError and is retried per its policy.
 */
export const MAX_RESENDS = 6;
export const MAX_RESEND_WAIT_MS = 10 * 60_000;
/**
 * The liveness window: the longest a crash may leave a run unattended. Whatever the
 * body does between two recorded calls is covered by an alarm at most this far ahead,
 * and an inline step in flight is looked at again after its heartbeat timeout
 * (cut off by an eviction, it runs again then).
 */
export const LIVENESS_MS = DEFAULT_HEARTBEAT_TIMEOUT_SECONDS * 1000;

/** How long a claimed task attempt may go without a report: its timeout, then the watchdog's grace. */
export function taskDeadlineMs(options: ResolvedTaskOptions): number {
  return options.timeout * 1000 + WATCHDOG_GRACE_MS;
}
