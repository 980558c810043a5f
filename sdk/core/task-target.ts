// Task mode's target: a consumer's replay runs the workflow up to one task's key and
// then that task's closure. Its caller learns when the workflow asked for the task and
// what the closure gave.

import type { Closure } from "../context.ts";
import type { Outcome } from "./log.ts";
import { outsideBody, runClosure } from "./run-closure.ts";

/** The task a task-mode execution replays to, and what became of it. */
export class TaskTarget {
  /** Settles with the target closure's outcome once it ran. */
  readonly reached: Promise<Outcome>;
  /** Settles when the workflow asks for the target task. */
  readonly called: Promise<void>;
  private settleReached: (outcome: Outcome) => void = () => {};
  private settleCalled: () => void = () => {};

  constructor() {
    this.reached = new Promise((resolve) => (this.settleReached = resolve));
    this.called = new Promise((resolve) => (this.settleCalled = resolve));
  }

  /** The workflow asked for the target: runs its closure outside the body. */
  run<T>(fn: Closure<T>, key: string, attempt: number, timeout: number, cancel: AbortSignal | undefined, traceparent: string | null = null): void {
    this.settleCalled();
    outsideBody(() => void runClosure(fn, key, attempt, timeout, cancel, traceparent).then((outcome) => this.settleReached(outcome)));
  }
}
