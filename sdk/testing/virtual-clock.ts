// The virtual clock runLocally runs on: while task or step code runs it follows the
// wall clock, so a race between real work and a timer ends as it would deployed; when
// nothing runs it jumps to the next timer, with no real waiting.

import { StuckRunError } from "../errors.ts";

interface Timer {
  at: number;
  order: number;
  fire: () => void;
  /** An attempt's own timeout: what the clock may jump to while that code makes no progress. */
  timeout: boolean;
}

/**
 * Virtual time. While code runs (tasks, steps, approval answers) it moves with the wall
 * clock and fires the timers it reaches, as production would; once everything in flight
 * has settled it jumps to the next timer. Running code that makes no progress for
 * `stallMs` of real time is taken as hung: the clock then jumps to the next attempt
 * timeout (only a timeout ends hung code), so a hung attempt meets it at once.
 */
export class VirtualClock {
  private readonly timers: Timer[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private order = 0;
  /** While work is in flight: the wall and virtual times real time is counted from, toward the next timer. */
  private since: { wall: number; virtual: number } | undefined;
  failure: unknown;
  /** Steps begun so far, children included. */
  steps = 0;

  now: number;
  private readonly stallMs: number;

  constructor(now: number, stallMs: number) {
    this.now = now;
    this.stallMs = stallMs;
  }

  /** Calls `fire` at virtual time `at` (at once if it has passed); answers a function that cancels it. `timeout`: an attempt's own timeout. */
  at(at: number, fire: () => void, timeout = false): () => void {
    const timer: Timer = { at: Math.max(at, this.now), order: this.order++, fire, timeout };
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
      const state = await this.untilDue();
      if (this.failure !== undefined) throw this.failure;
      if (done()) return;
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const first = this.timers[0];
      if (!first) {
        // Code still running, with no timer to end it: keep waiting for it.
        if (state === "stalled") continue;
        throw new StuckRunError(`the run waits for something nothing will bring: ${waiting()}`);
      }
      // Hung code is jumped past only to an attempt timeout; any other timer it waits for comes at the wall clock's pace.
      if (state === "stalled" && !this.timers.some((timer) => timer.timeout && timer.at === first.at)) continue;
      this.now = Math.max(this.now, first.at);
      // Real time counts on from here toward the next timer.
      if (this.since) this.since = { wall: Date.now(), virtual: this.now };
      // Everything due at this instant fires together, so parallel work runs in parallel.
      const due = this.timers.filter((timer) => timer.at === first.at);
      this.timers.splice(0, due.length);
      for (const timer of due) timer.fire();
    }
  }

  /**
   * Waits until nothing is in flight and a macrotask passes without new work ("quiet"),
   * until the wall clock, counted while work is in flight, reaches the next timer
   * ("due"), or until work in flight made no progress for `stallMs` ("stalled"). Real
   * time counts only toward reaching a timer: work that ends before one takes no
   * virtual time, so a run's times stay exact unless a race with real work needs them.
   */
  private async untilDue(): Promise<"quiet" | "due" | "stalled"> {
    for (;;) {
      while (this.running.size > 0) {
        const since = (this.since ??= { wall: Date.now(), virtual: this.now });
        const next = this.timers.reduce((earliest, timer) => Math.min(earliest, timer.at), Number.POSITIVE_INFINITY);
        const reached = since.virtual + (Date.now() - since.wall);
        if (next <= reached) return "due";
        const wait = Math.min(next - reached, this.stallMs);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const progressed = await Promise.race([
          Promise.race([...this.running]).then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), wait))),
        ]);
        if (timer !== undefined) clearTimeout(timer);
        if (progressed) continue;
        if (since.virtual + (Date.now() - since.wall) >= next) return "due";
        if (wait >= this.stallMs) return "stalled";
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.running.size === 0) {
        this.since = undefined;
        return "quiet";
      }
    }
  }
}
