// The test-only control surface of a run object, kept apart from its API: tests get
// it from `TestRunObject.control()` (an RPC target, reachable only by code holding the
// RUNS binding, never over HTTP) to make waits due now, make emails due, swap the
// mailer, and cause faults the engine must survive — lost task messages, another run
// that cannot be reached. The run object only consults the faults it is given.

import { RpcTarget } from "cloudflare:workers";
import type { Mailer } from "../approvals/mailer.ts";
import type { CutPoint, Faults } from "../runs/faults.ts";

export type { CutPoint, Faults } from "../runs/faults.ts";

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
  useLimits(limits: { steps?: number; logBytes?: number; payloadBytes?: number }): void {
    this.#run.faults.limits = limits;
  }

  /** Makes an update's call wait `ms` (instead of 20 s) for the body and its answer before it answers pending. */
  waitForUpdatesMs(ms: number): void {
    this.#run.faults.updateWaitMs = ms;
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

  /** Makes an ended run's retention pass (its end moved back, the alarm run); answers whether it deleted itself. */
  retentionPassed(): Promise<boolean> {
    return this.#run.retentionPassed();
  }

  /** Makes every undelivered signal to another run due now and runs the alarm (a failed delivery's back-off passes). */
  signalsDueNow(): Promise<void> {
    return this.#run.signalsDueNow();
  }
}
