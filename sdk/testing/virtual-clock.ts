// The virtual clock runLocally runs on: timers fire in time order, with no real
// waiting, and time stands still while code runs.

import { StuckRunError } from "../errors.ts";

interface Timer {
  at: number;
  order: number;
  fire: () => void;
}

/**
 * Virtual time: it stands still while code runs (tasks, steps, approval answers) and
 * jumps to the next timer once everything in flight has settled, or once running
 * code has made no progress for `stallMs` of real time (it waits on something that
 * only a timer, such as its own timeout, will end).
 */
export class VirtualClock {
  private readonly timers: Timer[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private order = 0;
  failure: unknown;
  /** Steps begun so far, children included. */
  steps = 0;

  now: number;
  private readonly stallMs: number;

  constructor(now: number, stallMs: number) {
    this.now = now;
    this.stallMs = stallMs;
  }

  /** Calls `fire` at virtual time `at` (at once if it has passed); answers a function that cancels it. */
  at(at: number, fire: () => void): () => void {
    const timer: Timer = { at: Math.max(at, this.now), order: this.order++, fire };
    this.timers.push(timer);
    return () => {
      const index = this.timers.indexOf(timer);
      if (index >= 0) this.timers.splice(index, 1);
    };
  }

  /** Counts `work` as in flight: the clock does not move until it settles. */
  track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.fail(error)).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Stops the run loop with `error` (a test setup problem, not a workflow failure). */
  fail(error: unknown): void {
    this.failure ??= error;
  }

  async runUntil(done: () => boolean, waiting: () => string): Promise<void> {
    for (;;) {
      const stalled = await this.untilQuiet();
      if (this.failure !== undefined) throw this.failure;
      if (done()) return;
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const first = this.timers[0];
      if (!first) {
        // Code still running, with no timer to end it: keep waiting for it.
        if (stalled) continue;
        throw new StuckRunError(`the run waits for something nothing will bring: ${waiting()}`);
      }
      this.now = first.at;
      // Everything due at this instant fires together, so parallel work runs in parallel.
      const due = this.timers.filter((timer) => timer.at === first.at);
      this.timers.splice(0, due.length);
      for (const timer of due) timer.fire();
    }
  }

  /**
   * Waits until nothing is in flight and a macrotask passes without new work
   * (false), or until work in flight made no progress for `stallMs` (true).
   */
  private async untilQuiet(): Promise<boolean> {
    for (;;) {
      while (this.running.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const progressed = await Promise.race([
          Promise.race([...this.running]).then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.stallMs))),
        ]);
        if (timer !== undefined) clearTimeout(timer);
        if (!progressed) return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.running.size === 0) return false;
    }
  }
}
