// The test-only control surface of a run object, kept apart from its API: tests get
// it from `RunObject.control()` (an RPC target, reachable only by code holding the
// RUNS binding, never over HTTP) to make waits due now, make emails due, swap the
// mailer, and cause faults the engine must survive — lost task messages, another run
// that cannot be reached. The run object only consults the faults it is given.

import { RpcTarget } from "cloudflare:workers";
import type { Mailer } from "../approvals/mailer.ts";
import type { Signal } from "../runs/run-store.ts";
import type { LegacyRun } from "./legacy-runs.ts";

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
  /** Smaller per-run limits than MAX_RUN_STEPS and MAX_RUN_LOG_BYTES, so a test reaches them quickly. */
  limits?: { steps?: number; logBytes?: number };
}

/** What the control surface may do to its run object. */
export interface ControlledRun {
  readonly faults: Faults;
  /** Makes the earliest wait (or `key`'s) due now and runs the alarm; answers the keys once the body has taken them in. */
  hasten(key?: string): Promise<string[]>;
  /** Makes every pending approval email due now and runs the alarm. */
  emailsDueNow(): Promise<void>;
  /** Makes every undelivered signal due now and runs the alarm. */
  signalsDueNow(): Promise<void>;
  /** Moves the events the run keeps back by `ms`. */
  ageKeptEvents(ms: number): void;
  /** Makes whatever is due within `ms` (wakes, deadlines, emails, signals) due now and runs the alarm, as if `ms` passed. */
  elapse(ms: number): Promise<void>;
  /** Moves an ended run's end back past its retention and runs the alarm; answers whether the run is gone. */
  retentionPassed(): Promise<boolean>;
  /** Sends approval emails through `mailer` from now on. */
  useMailer(mailer: Mailer): void;
  /** Stores `run` as an earlier release did, in an object that holds no run yet, with the alarm due now. */
  writeLegacyRun(run: LegacyRun): Promise<void>;
}

export class RunControl extends RpcTarget {
  readonly #run: ControlledRun;

  constructor(run: ControlledRun) {
    super();
    this.#run = run;
  }

  /**
   * Makes the earliest thing the run waits for due now — a sleep's wake, a retry's
   * wait, an approval's or a child flow's timeout — or the wait of step `key` (for a
   * task in flight: its report counts as lost), and runs the alarm. Answers the keys
   * made due, once the body has taken them in.
   */
  skipWait(key?: string): Promise<string[]> {
    return this.#run.hasten(key);
  }

  /** Gives this run smaller limits (steps, bytes of results) than every run has, so a test reaches them. */
  useLimits(limits: { steps?: number; logBytes?: number }): void {
    this.#run.faults.limits = limits;
  }

  /**
   * Makes the object stop at `point` the next time it gets there, as a crash would:
   * what it stored before stays, nothing after runs, and its memory is gone (the next
   * call reaches a fresh instance). The call that got there fails.
   */
  cutOffAt(point: CutPoint): void {
    this.#run.faults.cutOff = point;
  }

  /** The cut-off armed in this instance ("stopped" once it cut off); undefined in a fresh one. */
  cutOff(): CutPoint | "stopped" | undefined {
    return this.#run.faults.cutOff;
  }

  /** Makes whatever is due within `ms` due now and runs the alarm, as if that much time passed; answers once the run is at rest. */
  elapse(ms: number): Promise<void> {
    return this.#run.elapse(ms);
  }

  /** Makes the events the run keeps `ms` older, as if they were sent that much earlier. */
  ageKeptEvents(ms: number): void {
    this.#run.ageKeptEvents(ms);
  }

  /** Drops the run's next `count` task messages instead of sending them. */
  loseTaskMessages(count: number): void {
    this.#run.faults.loseTaskMessages = count;
  }

  /** Makes the next `count` deliveries of signals to run `target` fail, as if it could not be reached. */
  failSignalsTo(target: string, count = 1): void {
    let left = count;
    this.#run.faults.signal = (signal) => {
      if (signal.target !== target || left <= 0) return;
      left -= 1;
      throw new Error(`run ${target} could not be reached (test fault)`);
    };
  }

  /** Sends the run's approval emails through `mailer` (a function stub from the test). */
  useMailer(mailer: Mailer): void {
    // A stub received over RPC is disposed when the call returns, unless it is duplicated.
    const kept = (mailer as Mailer & { dup?: () => Mailer }).dup?.() ?? mailer;
    this.#run.useMailer(kept);
  }

  /** Makes every pending approval email due now and runs the alarm (a failed send's back-off passes). */
  emailsDueNow(): Promise<void> {
    return this.#run.emailsDueNow();
  }

  /**
   * Stores `run` as an earlier release stored it (its tables created as that release
   * did), in an object that holds no run yet, with the alarm due now: the upgrade
   * happens when the alarm runs.
   */
  writeLegacyRun(run: LegacyRun): Promise<void> {
    return this.#run.writeLegacyRun(run);
  }

  /** Makes an ended run's retention pass (its end moved back, the alarm run); answers whether it deleted itself. */
  retentionPassed(): Promise<boolean> {
    return this.#run.retentionPassed();
  }

  /** Makes every undelivered signal to another run due now and runs the alarm (a failed delivery's back-off passes). */
  signalsDueNow(): Promise<void> {
    return this.#run.signalsDueNow();
  }
}
