// The one way outcomes reach a workflow body: in their delivery order, one per turn
// of the event loop. Before each, the turn lets the body run every continuation of
// the last one, so the body is at rest whenever an outcome arrives — live or replayed
// alike, which is what makes a replay see the interleaving the first run saw.

import { macrotask } from "./determinism.ts";
import type { Settled } from "./log.ts";
import { payloadLoadError, type PayloadLoader, type PayloadRef } from "./payloads.ts";

/** What the loop hands outcomes to. */
export interface DeliveryTarget {
  /** True once the execution stopped: the loop ends. */
  stopped(): boolean;
  /** Gives `outcome` to the call waiting for it; false when the body, at rest, has made no such call. */
  hand(outcome: Settled): boolean;
  /** Nothing can be delivered now and the body is at rest. */
  quiet(): void;
  /** The next outcome in order belongs to a call the body, at rest, has not made. */
  unasked(outcome: Settled): void;
  /** Told when the loop starts, with a promise that settles when it comes to rest. */
  delivering(done: Promise<void>): void;
}

export class DeliveryLoop {
  /** Settled outcomes not yet handed over, by their place in the delivery order. */
  private readonly inbox = new Map<number, Settled>();
  /** How many outcomes were handed over. */
  private delivered = 0;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  /** The body's clock: the run's start until an outcome is handed over, then the time it was recorded. */
  now: number;
  /** The key of the last outcome handed over, for error messages. */
  lastKey: string | undefined;
  private readonly target: DeliveryTarget;
  private readonly start: (pump: () => Promise<void>) => Promise<void>;
  private readonly load: PayloadLoader | undefined;

  /** `start` runs the loop (the execution runs it outside the body's context); `load` fetches outcomes kept by reference. */
  constructor(target: DeliveryTarget, startedAt: number, start: (pump: () => Promise<void>) => Promise<void>, load?: PayloadLoader) {
    this.target = target;
    this.now = startedAt;
    this.start = start;
    this.load = load;
  }

  /** True while outcomes are being handed over. */
  get busy(): boolean {
    return this.running;
  }

  /** Takes in a settled outcome; false when it was handed over or is waiting already. */
  add(outcome: Settled): boolean {
    if (outcome.delivery <= this.delivered || this.inbox.has(outcome.delivery)) return false;
    this.inbox.set(outcome.delivery, outcome);
    return true;
  }

  /** Starts the loop unless it runs. */
  kick(): void {
    if (this.running || this.target.stopped()) return;
    this.running = true;
    this.target.delivering(this.start(() => this.pump()));
  }

  /** Resolves once every outcome that can be handed over has been, and the body has run as far as they take it. */
  idle(): Promise<void> {
    return this.running ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  /** The outcomes stored and not yet handed over, in their delivery order. */
  pending(): Settled[] {
    return [...this.inbox.values()].sort((a, b) => a.delivery - b.delivery);
  }

  /** Forgets outcomes not handed over (the execution stopped). */
  clear(): void {
    this.inbox.clear();
  }

  private async pump(): Promise<void> {
    for (;;) {
      await macrotask();
      if (this.target.stopped()) break;
      let next = this.inbox.get(this.delivered + 1);
      if (!next) {
        this.target.quiet();
        break;
      }
      // A value kept by reference is loaded now, while the body is at rest: it receives the real value, in its turn.
      if (next.outcome.ok && next.outcome.ref && next.outcome.value === undefined) {
        next = { ...next, outcome: await this.loaded(next.outcome.ref, next.outcome) };
        if (this.target.stopped()) break;
      }
      const clock = this.now;
      this.now = next.at;
      if (!this.target.hand(next)) {
        this.now = clock;
        this.target.unasked(next);
        break;
      }
      this.inbox.delete(next.delivery);
      this.delivered = next.delivery;
      this.lastKey = next.key;
    }
    this.running = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** The outcome with its referenced value loaded; one the store cannot give becomes a PayloadError. */
  private async loaded(ref: PayloadRef, outcome: Settled["outcome"]): Promise<Settled["outcome"]> {
    if (!this.load) return { ok: false, error: payloadLoadError(ref, "this host has no payload store (BATON_PAYLOADS)") };
    try {
      return { ...outcome, ok: true, value: await this.load(ref) };
    } catch (error) {
      return { ok: false, error: payloadLoadError(ref, error instanceof Error ? error.message : String(error)) };
    }
  }
}
