// The signals of task and step attempts running in memory: each aborts with
// TaskTimeoutError when the virtual clock reaches the attempt's timeout, or with
// CancelledError when the body gives the step up.

import { CancelledError, TaskTimeoutError } from "../errors.ts";
import type { VirtualClock } from "./virtual-clock.ts";

/** The attempts in flight of one in-memory run, by key and attempt. */
export class AttemptSignals {
  /** Each attempt's controller and the cancel of its virtual timeout. */
  private readonly attempts = new Map<string, { controller: AbortController; stopTimer: () => void }>();
  private readonly clock: VirtualClock;

  constructor(clock: VirtualClock) {
    this.clock = clock;
  }

  /** The signal of `attempt` of `key`: aborted with TaskTimeoutError when the virtual clock reaches its timeout (`seconds`). */
  open(key: string, attempt: number, seconds: number): AbortSignal {
    const controller = new AbortController();
    const id = attemptId(key, attempt);
    this.attempts.get(id)?.stopTimer();
    const stopTimer = this.clock.at(
      this.clock.now + seconds * 1000,
      () => {
        this.attempts.delete(id);
        controller.abort(new TaskTimeoutError(`"${key}" attempt ${attempt} ran past its ${seconds} s timeout`));
      },
      true,
    );
    this.attempts.set(id, { controller, stopTimer });
    return controller.signal;
  }

  /** The attempt ended: its timeout no longer counts. */
  close(key: string, attempt: number): void {
    const id = attemptId(key, attempt);
    this.attempts.get(id)?.stopTimer();
    this.attempts.delete(id);
  }

  /** The body gave the step up: the attempt's closure hears its signal abort. */
  cancel(key: string, attempt: number): void {
    const id = attemptId(key, attempt);
    const found = this.attempts.get(id);
    this.close(key, attempt);
    found?.controller.abort(new CancelledError(`"${key}" was cancelled`));
  }
}

/** One attempt's identity as a map key. */
export function attemptId(key: string, attempt: number): string {
  return `${key}\u0000${attempt}`;
}
