// Sending a run's task attempts to consumers: through their concurrency limit (a
// slot first), past the task cache (a hit completes the step, no consumer runs), to
// the queue of their worker tag; and, once an attempt is over, giving its slot back
// and sharing its result through the cache. All of it after storage: a step is
// recorded before its message exists, and a send that fails is tried again soon.

import { WorkerTagError } from "baton-workflows";
import { decodeJson, encodeJson, taskDeadlineMs, toErrorData, type Json, type ResolvedTaskOptions, type RunMachine, type Settled, type StepRecord } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import type { RunRow } from "../runs/run-store.ts";
import type { TaskMessage } from "./messages.ts";
import { cacheIdentity } from "./task-cache.ts";
import { queueFor } from "./task-queues.ts";
import { attemptTraceparent } from "../telemetry/run-tracer.ts";

/** Back-off for a failed queue send. */
const RESEND_MS = 5_000;

/** What the dispatcher needs from its run object. */
export interface DispatchHost {
  readonly env: Env;
  readonly machine: RunMachine;
  /** The run the tasks belong to. */
  run(): RunRow;
  /** Outcomes settled here (cache hits, an unknown tag) for the workflow to receive. */
  settled(outcomes: Settled[]): void;
  /** The worker queue (of workers you run) the task at `key` goes to; null for the Worker's own queues. */
  remoteQueue(key: string): string | null;
  /** Task messages to drop instead of sending (a test's simulated loss); answers those to send. */
  lose(messages: TaskMessage[]): TaskMessage[];
}

/** Task messages a run object hands to the batch start that created it, for the Worker's queue of `tag` (none: the default queue). */
export interface HeldSends {
  tag: string | undefined;
  messages: TaskMessage[];
}

export class TaskDispatch {
  private outbox: TaskMessage[] = [];
  /** While a batch start waits for its run's first send: where that send's messages go instead of the queue. */
  private holding: HeldSends[] | undefined;
  /** Attempts that must get a concurrency slot before they are sent. */
  private toAcquire: TaskMessage[] = [];
  private readonly host: DispatchHost;

  constructor(host: DispatchHost) {
    this.host = host;
  }

  /** Sends attempt `attempt` of the task at `key` with the next flush, or first asks its limiter for a slot. */
  dispatch(key: string, attempt: number, options: ResolvedTaskOptions, now: number): void {
    const message = { runId: this.host.run().id, key, attempt };
    if (options.concurrency === undefined) {
      this.outbox.push(message);
      return;
    }
    this.host.machine.queueForSlot(key, attempt, now + leaseMs(options));
    this.toAcquire.push(message);
  }

  /** Forgets what was not sent yet (the run ended). */
  clear(): void {
    this.outbox = [];
    this.toAcquire = [];
  }

  /** Asks for the slots due and sends everything due: one queue batch per tag. */
  async flush(): Promise<void> {
    await this.acquireSlots();
    await this.sendOutbox();
  }

  /**
   * Holds the first send of the flush `flushed` (the Worker's own queues only) and answers
   * it, for a batch start to send with its other runs' messages (src/api/batch-sends.ts);
   * answers nothing if that flush sent nothing. Later sends go out as always. The
   * attempts are recorded with their deadline before this answers, so if the batch
   * never sends them, the alarm re-sends them as lost messages (see "Delivery rules").
   */
  async handOff(flushed: Promise<void> | undefined): Promise<HeldSends[]> {
    const held: HeldSends[] = [];
    this.holding = held;
    await flushed;
    if (this.holding === held) this.holding = undefined;
    return held;
  }

  /** The limiter's call: a slot is free for this queued attempt. False if it no longer wants one. */
  granted(key: string, attempt: number): boolean {
    if (!this.host.machine.startFromQueue(key, attempt, Date.now())) return false;
    this.outbox.push({ runId: this.host.run().id, key, attempt });
    return true;
  }

  /** Gives a task's concurrency slot back once its attempt is over; best effort (leases expire). */
  release(key: string, options: ResolvedTaskOptions): void {
    if (!options.concurrency) return;
    this.limiter(options.concurrency.key)
      .release(this.host.run().id, key)
      .catch((error: unknown) => console.error(`baton: slot of ${key} not released (its lease will expire): ${toErrorData(error).message}`));
  }

  /** Shares a task's fresh result through the cache when it has `cacheTtl`; best effort, in the background. */
  cacheResult(step: StepRecord, result: Json | undefined): void {
    const ttl = step.options?.cacheTtl;
    if (ttl === undefined) return;
    const run = this.host.run();
    const entry = { result: encodeJson(result), runId: run.id, key: step.key, expiresAt: Date.now() + ttl * 1000 };
    this.cache(run, step)
      .store(entry)
      .catch((error: unknown) => console.error(`baton: could not cache the result of ${step.key}: ${toErrorData(error).message}`));
  }

  private async acquireSlots(): Promise<void> {
    const requests = this.toAcquire.splice(0);
    await Promise.all(
      requests.map(async (message) => {
        const options = this.host.machine.step(message.key)?.options;
        if (!options?.concurrency) return;
        try {
          const answer = await this.limiter(options.concurrency.key).acquire({
            runId: message.runId,
            key: message.key,
            attempt: message.attempt,
            priority: options.priority ?? 0,
            limit: options.concurrency.limit,
            window: options.concurrency.window,
            leaseMs: leaseMs(options),
          });
          if (answer === "granted") this.granted(message.key, message.attempt);
        } catch (error) {
          // Stays queued; the alarm asks again at its recheck time.
          console.error(`baton: concurrency slot for ${message.key} not obtained: ${toErrorData(error).message}`);
        }
      }),
    );
  }

  private async sendOutbox(): Promise<void> {
    const batch = this.host.lose(await this.withoutCacheHits(this.outbox.splice(0)));
    if (batch.length === 0) return;
    // Each worker tag has its own queue; a tag nobody configured fails its task here.
    const queues = new Map<Queue<TaskMessage>, TaskMessage[]>();
    const tags = new Map<Queue<TaskMessage>, string | undefined>();
    const remote = new Map<string, TaskMessage[]>();
    const unroutable: Settled[] = [];
    for (const message of batch) {
      const workers = this.host.remoteQueue(message.key);
      if (workers !== null) {
        remote.set(workers, [...(remote.get(workers) ?? []), message]);
        continue;
      }
      const tag = this.host.machine.step(message.key)?.options?.tag;
      const queue = queueFor(this.host.env, tag);
      if (typeof queue === "string") {
        const settled = this.host.machine.settle(message.key, message.attempt, { ok: false, error: toErrorData(new WorkerTagError(queue)) }, Date.now());
        if (settled) unroutable.push(settled);
        continue;
      }
      queues.set(queue, [...(queues.get(queue) ?? []), message]);
      tags.set(queue, tag);
    }
    if (unroutable.length > 0) this.host.settled(unroutable);
    // Each message carries its attempt's span, so the consumer's closure runs under it (null while tracing is off: left out).
    const run = this.host.run();
    for (const messages of queues.values()) {
      for (const message of messages) {
        const traceparent = attemptTraceparent(this.host.env, run, message.key, message.attempt);
        if (traceparent !== null) message.traceparent = traceparent;
      }
    }
    await Promise.all([...remote].map(([name, messages]) => this.sendToWorkers(name, messages)));
    // A batch start's run: this first send is the batch's to make, with its other runs' messages.
    const holding = this.holding;
    this.holding = undefined;
    if (holding) {
      for (const [queue, messages] of queues) holding.push({ tag: tags.get(queue), messages });
      return;
    }
    for (const [queue, messages] of queues) {
      try {
        for (let i = 0; i < messages.length; i += 100) await queue.sendBatch(messages.slice(i, i + 100).map((body) => ({ body })));
      } catch (error) {
        // The steps are recorded; pulling their deadline in makes the alarm try them again soon.
        console.error(`baton: queue send failed, retrying in ${RESEND_MS} ms: ${toErrorData(error).message}`);
        for (const message of messages) this.host.machine.resendAt(message.key, Date.now() + RESEND_MS);
      }
    }
  }

  /** Hands attempts to the queue of workers you run; a send that fails is tried again as a lost queue message is. */
  private async sendToWorkers(name: string, messages: TaskMessage[]): Promise<void> {
    const { env } = this.host;
    try {
      if (!env.WORK_QUEUES) throw new Error("the Worker has no WORK_QUEUES binding (run `npx baton init`)");
      const items = messages.map(({ runId, key, attempt }) => ({ id: `task:${runId}:${key}:${attempt}`, kind: "task" as const, runId, key, attempt }));
      await env.WORK_QUEUES.get(env.WORK_QUEUES.idFromName(name)).enqueueMany(items);
    } catch (error) {
      console.error(`baton: handing tasks to worker queue "${name}" failed, retrying in ${RESEND_MS} ms: ${toErrorData(error).message}`);
      for (const message of messages) this.host.machine.resendAt(message.key, Date.now() + RESEND_MS);
    }
  }

  /**
   * Settles the first attempts of tasks with `cacheTtl` whose result another run (or
   * this one) stored and has not expired; answers the messages still to send. A cache
   * that cannot be reached is a miss: the task simply runs.
   */
  private async withoutCacheHits(batch: TaskMessage[]): Promise<TaskMessage[]> {
    const run = this.host.run();
    const hits: Settled[] = [];
    const keep = await Promise.all(
      batch.map(async (message) => {
        const step = this.host.machine.step(message.key);
        if (!step || message.attempt !== 1 || step.options?.cacheTtl === undefined) return true;
        try {
          const cached = await this.cache(run, step).lookup(Date.now());
          const hit = cached && this.host.machine.settleFromCache(message.key, message.attempt, decodeJson(cached.result), Date.now());
          if (!hit) return true;
          hits.push(hit);
          return false;
        } catch (error) {
          console.error(`baton: task cache lookup for ${message.key} failed, running the task: ${toErrorData(error).message}`);
          return true;
        }
      }),
    );
    if (hits.length > 0) this.host.settled(hits);
    return batch.filter((_, i) => keep[i]);
  }

  /** A script's results are shared by every workflow calling it; a task's by runs of its workflow. */
  private cache(run: RunRow, step: StepRecord) {
    const cacheKey = step.options?.cacheKey;
    const identity = step.script ? cacheIdentity(`script:${step.script.path}`, "", cacheKey) : cacheIdentity(run.workflow, step.name, cacheKey);
    return this.host.env.TASK_CACHE.get(this.host.env.TASK_CACHE.idFromName(identity));
  }

  private limiter(concurrencyKey: string) {
    return this.host.env.CONCURRENCY.get(this.host.env.CONCURRENCY.idFromName(concurrencyKey));
  }
}

/** How long a concurrency slot lasts: as long as the run waits for the attempt's report. */
function leaseMs(options: ResolvedTaskOptions): number {
  return taskDeadlineMs(options);
}
