// Drive mode's inline steps: the closure of every step the body reached that has not
// settled, kept so a retry can run it again when the host's alarm says (rerunStep),
// and each attempt run outside the body, its outcome stored by the host, then delivered.

import type { Closure } from "../context.ts";
import { CancelledError } from "../errors.ts";
import type { ResolvedTaskOptions } from "../options.ts";
import type { ExecutionHost } from "./execution-types.ts";
import type { Outcome, Settled } from "./log.ts";
import { withoutRecorded, type Located } from "./recorded-log.ts";
import { outsideBody, runClosure } from "./run-closure.ts";

/** What the inline steps ask of their execution. */
export interface InlineStepsOwner {
  /** True once the execution stopped: an outcome arriving later is dropped. */
  stopped(): boolean;
  /** Hands an outcome the host stored to the body, in its place in the delivery order. */
  deliver(settled: Settled): void;
}

/** The inline steps a drive-mode execution reached and has not seen settle. */
export class InlineSteps {
  private readonly steps = new Map<string, { call: Located; fn: Closure<unknown>; options: ResolvedTaskOptions }>();
  /** The attempt in flight of each step, to abort when the body cancels it. */
  private readonly running = new Map<string, AbortController>();
  // Fields assigned in the constructor, not parameter properties: Node's type stripping cannot run those.
  private readonly host: ExecutionHost;
  private readonly owner: InlineStepsOwner;

  constructor(host: ExecutionHost, owner: InlineStepsOwner) {
    this.host = host;
    this.owner = owner;
  }

  /** Keeps the closure of the step the body reached at `call`. */
  keep(call: Located, fn: Closure<unknown>, options: ResolvedTaskOptions): void {
    this.steps.set(call.key, { call, fn, options });
  }

  /** True when the step at `key` was reached and has not settled. */
  has(key: string): boolean {
    return this.steps.has(key);
  }

  /** Runs attempt `attempt` of the step at `key`, if kept: the host records it, and stores its outcome. */
  run(key: string, attempt: number): void {
    const step = this.steps.get(key);
    if (!step) return;
    outsideBody(() => {
      this.host.begin({ ...withoutRecorded(step.call), attempt, options: step.options });
      const controller = new AbortController();
      this.running.set(key, controller);
      const timeout = this.host.attemptSignal?.(key, attempt);
      void runClosure(step.fn, key, attempt, step.options.timeout, timeout ? AbortSignal.any([timeout, controller.signal]) : controller.signal, this.host.attemptTraceparent?.(key, attempt) ?? null).then((ran) => {
        if (this.running.get(key) === controller) this.running.delete(key);
        if (this.owner.stopped()) return;
        // A large result is written to the payload store before the row that points at it (a small one is stored in this same turn).
        const kept = this.host.keepLarge?.(key, ran) ?? ran;
        if (kept instanceof Promise) void kept.then((outcome) => this.store(key, attempt, outcome));
        else this.store(key, attempt, kept);
      });
    });
  }

  /** The host stores the attempt's outcome, which then reaches the body in its place. */
  private store(key: string, attempt: number, outcome: Outcome): void {
    if (this.owner.stopped()) return;
    // Null: stale, or parked for a retry (which calls rerunStep later).
    const settled = this.host.finishStep(key, attempt, outcome);
    if (!settled) return;
    this.steps.delete(key);
    this.owner.deliver(settled);
  }

  /** Forgets the step at `key` (the body cancelled it): it is not run again, and an attempt in flight hears its signal abort. */
  forget(key: string): void {
    this.steps.delete(key);
    this.running.get(key)?.abort(new CancelledError(`step "${key}" was cancelled`));
    this.running.delete(key);
  }

  /** Forgets every kept step: the execution stopped. */
  clear(): void {
    this.steps.clear();
  }
}
