// The replay machine: runs a workflow function against a log. Every outcome reaches
// the body through one delivery loop, in the order the log recorded (live outcomes
// take the next place in that order), one at a time with the body's microtasks run
// in between — so a replay, however rebuilt, sees the interleaving the first run saw.
// Calls the log has not seen are handed to the host (record, then start the work)
// and stay pending. Suspension never throws through user code.

import type { ApprovalRequest, ApprovalResult } from "../approval.ts";
import type { EventRequest } from "../events.ts";
import type { Closure, ResolvedFlowOptions, ParallelOptions } from "../context.ts";
import { ScriptNotFoundError, WorkflowNotFoundError } from "../errors.ts";
import { resolveTaskOptions, type ResolvedTaskOptions, type TaskOptions } from "../options.ts";
import { contexts } from "./async-context.ts";
import { BranchContext, type BranchHost } from "./branch-context.ts";
import { DeliveryLoop } from "./delivery-loop.ts";
import { EMPTY_RESOLVER, type ExecutionHost, type ExecutionMode, type ExecutionOptions, type NewCall, type Resolver, type TaskClosure, type WorkflowBody } from "./execution-types.ts";
import { installDeterminism, SeededRandom, type BodyEnvironment } from "./determinism.ts";
import { fromErrorData, toErrorData, type ErrorData } from "./error-data.ts";
import { toJson, type Json } from "./json.ts";
import type { LogEntry, Outcome, RunEnd, Settled, StepKind } from "./log.ts";
import { runParallel } from "./parallel.ts";
import { divergedAt, forbidden, notAskedFor, stuck, taskNotReached } from "./replay-errors.ts";
import { outsideBody, runClosure } from "./run-closure.ts";
import { ROOT_BRANCH, itemBranch, patchKey, stepKey } from "./step-key.ts";

export { runClosure } from "./run-closure.ts";
export { EMPTY_RESOLVER, IDLE_HOST, type ExecutionHost, type ExecutionMode, type ExecutionOptions, type NewCall, type Resolver, type TaskClosure, type WorkflowBody } from "./execution-types.ts";

installDeterminism();

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Located {
  key: string;
  branch: string;
  seq: number;
  kind: StepKind;
  name: string;
  recorded: LogEntry | undefined;
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

export class Execution implements BranchHost {
  /** Settles when the workflow function settles, or when replay fails (divergence, a stuck body). */
  readonly ended: Promise<RunEnd>;
  /** Task mode only: settles with the target closure's outcome once it ran. */
  readonly reached: Promise<Outcome>;
  /** Task mode only: settles when the workflow asks for the target task. */
  readonly targetCalled: Promise<void>;
  /** What the globals read while this execution's body code runs. */
  readonly environment: BodyEnvironment;

  private readonly byKey = new Map<string, LogEntry>();
  private readonly byPosition = new Map<string, LogEntry>();
  /** `patched()` markers: the branch position each was recorded at. */
  private readonly patches = new Map<string, number>();
  /** The highest recorded position of each branch (markers aside). */
  private readonly lastSeq = new Map<string, number>();
  private readonly resolver: Resolver;
  private readonly codeChange: string | undefined;
  private readonly notFoundHint: string;
  private readonly sequence = new Map<string, number>();
  private readonly occurrences = new Map<string, number>();
  /** Calls made and not yet answered, by key. */
  private readonly waiting = new Map<string, Waiter>();
  /** Hands settled outcomes to the body in their delivery order; keeps the body's clock. */
  private readonly outcomes: DeliveryLoop;
  private readonly random: SeededRandom;
  /** Drive mode: inline steps reached but not settled, kept so a retry can run them again. */
  private readonly steps = new Map<string, { call: Located; fn: Closure<unknown>; options: ResolvedTaskOptions }>();
  /** Mirror mode: the closures of tasks reached but not yet settled. */
  private readonly closures = new Map<string, TaskClosure>();
  private halted = false;
  private settleEnd: (end: RunEnd) => void = () => {};
  private settleReached: (outcome: Outcome) => void = () => {};
  private settleTargetCalled: () => void = () => {};
  // Fields assigned in the constructor, not parameter properties: Node's type stripping cannot run those.
  private readonly body: WorkflowBody;
  private readonly input: unknown;
  private readonly host: ExecutionHost;
  private readonly mode: ExecutionMode;

  constructor(body: WorkflowBody, input: unknown, log: Iterable<LogEntry>, host: ExecutionHost, mode: ExecutionMode, options: ExecutionOptions = {}) {
    this.body = body;
    this.input = input;
    this.host = host;
    this.mode = mode;
    this.resolver = options.resolver ?? EMPTY_RESOLVER;
    this.codeChange = options.codeChange;
    this.notFoundHint = options.notFoundHint ?? "";
    this.outcomes = new DeliveryLoop(
      {
        stopped: () => this.halted,
        hand: (outcome) => this.hand(outcome),
        quiet: () => this.quiet(),
        unasked: (outcome) => this.unasked(outcome),
        delivering: (done) => host.delivering?.(done),
      },
      options.startedAt ?? 0,
      (pump) => outsideBody(pump),
    );
    this.random = new SeededRandom(options.seed ?? "");
    this.environment = {
      now: () => this.outcomes.now,
      random: () => this.random.random(),
      fill: (bytes) => this.random.fill(bytes),
      forbid: (call) => this.fail(forbidden(call)),
    };
    this.remember(log);
    this.ended = new Promise((resolve) => (this.settleEnd = resolve));
    this.reached = new Promise((resolve) => (this.settleReached = resolve));
    this.targetCalled = new Promise((resolve) => (this.settleTargetCalled = resolve));
  }

  /** Calls the workflow function; it runs until it first waits, then recorded outcomes are delivered in order. */
  start(): void {
    let result: Promise<unknown>;
    try {
      // Promise.resolve: a body written without `async` still behaves.
      result = Promise.resolve(contexts.run(new BranchContext(this, ROOT_BRANCH), () => this.body(this.input as never)));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (output) => {
        try {
          this.end({ status: "completed", output: toJson(output, "the workflow's return value") });
        } catch (error) {
          this.end({ status: "failed", error: toErrorData(error) });
        }
      },
      (error: unknown) => this.end({ status: "failed", error: toErrorData(error) }),
    );
    this.outcomes.kick();
  }

  /**
   * Drive mode: an outcome the host just stored. It reaches the body in its place in
   * the delivery order, after every earlier one. False when it is not new.
   */
  deliver(settled: Settled): boolean {
    if (this.halted || !this.outcomes.add(settled)) return false;
    this.outcomes.kick();
    return true;
  }

  /** True while outcomes are being handed to the body. */
  get delivering(): boolean {
    return this.outcomes.busy;
  }

  /** Resolves once every outcome that can be delivered has been, and the body has run as far as they take it. */
  idle(): Promise<void> {
    return this.outcomes.idle();
  }

  /** Stops the execution: pending calls stay pending and nothing new starts. */
  halt(): void {
    this.halted = true;
    this.waiting.clear();
    this.outcomes.clear();
    this.closures.clear();
    this.steps.clear();
  }

  /** Mirror mode: takes in new or changed log entries; settled ones reach the body in order. */
  absorb(entries: Iterable<LogEntry>): void {
    for (const entry of entries) {
      if (entry.kind !== "patch" && isSettled(entry)) this.closures.delete(entry.key);
      this.remember([entry]);
      // Settled before the delivery order was recorded: answered as soon as it is known.
      if (entry.kind !== "patch" && isSettled(entry) && !entry.delivery) this.answerNow(entry);
    }
    this.outcomes.kick();
  }

  private remember(entries: Iterable<LogEntry>): void {
    for (const entry of entries) {
      if (entry.kind === "patch") {
        this.patches.set(entry.key, entry.seq);
        continue;
      }
      this.byKey.set(entry.key, entry);
      this.byPosition.set(position(entry.branch, entry.seq), entry);
      this.lastSeq.set(entry.branch, Math.max(this.lastSeq.get(entry.branch) ?? -1, entry.seq));
      if (isSettled(entry) && entry.delivery) {
        this.outcomes.add({ key: entry.key, delivery: entry.delivery, at: entry.at ?? this.outcomes.now, outcome: outcomeOf(entry) });
      }
    }
  }

  /** Mirror mode: the closure of the task at `key`, once the workflow has reached it. */
  closureFor(key: string): TaskClosure | undefined {
    return this.closures.get(key);
  }

  // --- delivery

  /** The delivery loop's hand-over: the waiting call gets the outcome; false when the body has made no such call. */
  private hand(outcome: Settled): boolean {
    const waiter = this.waiting.get(outcome.key);
    if (!waiter) return false;
    this.waiting.delete(outcome.key);
    this.closures.delete(outcome.key);
    if (outcome.outcome.ok) waiter.resolve(outcome.outcome.value);
    else waiter.reject(fromErrorData(outcome.outcome.error, outcome.key));
    return true;
  }

  /** Nothing to deliver and the body at rest: a body waiting on no primitive can never go on. */
  private quiet(): void {
    if (this.mode.kind === "mirror") return;
    if (this.waiting.size === 0) this.fail(stuck(this.outcomes.lastKey));
    else if (this.mode.kind === "task") this.fail(taskNotReached(this.mode.key, [...this.waiting.keys()], this.codeChange));
  }

  /** The next recorded outcome belongs to a call the body, at rest, has not made. */
  private unasked(next: Settled): void {
    if (this.mode.kind !== "mirror" && this.waiting.size === 0) this.fail(stuck(this.outcomes.lastKey));
    else this.fail(notAskedFor(next, [...this.waiting.keys()], this.codeChange));
  }

  private fail(error: Error): void {
    this.end({ status: "failed", error: toErrorData(error) });
  }

  /** A settled entry from before the delivery order was kept: its call, if made, gets it at once. */
  private answerNow(entry: LogEntry): void {
    const waiter = this.waiting.get(entry.key);
    if (!waiter) return;
    this.waiting.delete(entry.key);
    const outcome = outcomeOf(entry);
    if (outcome.ok) waiter.resolve(outcome.value);
    else waiter.reject(fromErrorData(outcome.error, entry.key));
  }

  /**
   * The promise a call returns: the recorded outcome at once for logs from before the
   * delivery order was kept, else a wait for the delivery loop to bring it.
   */
  private answer<T>(call: Located): Promise<T> {
    const recorded = call.recorded;
    if (recorded && isSettled(recorded) && !recorded.delivery) {
      if (recorded.at !== undefined) this.outcomes.now = Math.max(this.outcomes.now, recorded.at);
      return stored(recorded);
    }
    return this.wait(call.key);
  }

  // --- the primitives

  task<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T> {
    const call = this.locate(branch, "task", name);
    return call ? this.queued(call, fn, options) : never();
  }

  /**
   * A script run as a task. Its options are the script's own overridden by the
   * caller's; with cacheTtl and no cacheKey, the args are the cache key. The consumer
   * runs it by path, so mirrors keep no closure for it. A call the log already
   * holds is answered from the log even when the script is no longer deployed.
   */
  script<T>(branch: string, path: string, args: unknown, callOptions: TaskOptions | undefined): Promise<T> {
    if (this.halted) return never();
    const call = this.locate(branch, "task", path);
    if (!call) return never();
    // Already recorded: answered from the log (or when it settles), whatever is deployed now;
    // only a task-mode replay aimed at it needs its code.
    if (call.recorded && (isSettled(call.recorded) || !(this.mode.kind === "task" && this.mode.key === call.key))) {
      return isSettled(call.recorded) ? this.answer(call) : this.wait(call.key);
    }
    const found = this.resolver.script(path);
    if (!found) {
      return Promise.reject(new ScriptNotFoundError(`taskScript("${path}"): no script is registered at workflows/${path}.ts (its default export must be script(...))${this.notFoundHint}`));
    }
    const options = resolveTaskOptions({ ...found.options, ...callOptions }, "taskScript");
    if (options.cacheTtl !== undefined && callOptions?.cacheKey === undefined && found.options?.cacheKey === undefined) {
      options.cacheKey = args ?? null;
    }
    const fn: Closure<T> = (context) => found.run(args, context) as Promise<T>;
    return this.queued(call, fn, options, () => ({ path, args: toJson(args, `the args of script "${path}"`) }));
  }

  private queued<T>(call: Located, fn: Closure<T>, options: ResolvedTaskOptions, script?: () => NonNullable<NewCall["script"]>): Promise<T> {
    if (isSettled(call.recorded)) return this.answer(call);
    if (this.mode.kind === "mirror") {
      if (!script) this.closures.set(call.key, { fn: fn as Closure<unknown>, timeout: options.timeout });
      return this.wait(call.key);
    }
    if (this.mode.kind === "task") {
      if (call.key === this.mode.key) {
        this.runTarget(fn, call.key, this.mode.attempt, options.timeout, this.mode.cancel);
        return never();
      }
      return this.wait(call.key);
    }
    if (!call.recorded) {
      // The cache key is stored and compared as JSON, like a result.
      if (options.cacheKey !== undefined) toJson(options.cacheKey, `the cacheKey of "${call.key}"`);
      const begun: NewCall = { ...withoutRecorded(call), attempt: 1, options };
      if (script) begun.script = script();
      outsideBody(() => this.host.begin(begun));
    }
    return this.wait(call.key);
  }

  /** A child run of the workflow at `path`: recorded once, settled when the child ends. */
  flow<T>(branch: string, path: string, input: unknown, options: ResolvedFlowOptions): Promise<T> {
    if (this.halted) return never();
    const call = this.locate(branch, "flow", path);
    if (!call) return never();
    if (!call.recorded && !this.resolver.isWorkflow(path)) {
      return Promise.reject(new WorkflowNotFoundError(`taskFlow("${path}"): no workflow is registered at workflows/${path}.ts (its default export must be workflow(...))${this.notFoundHint}`));
    }
    return this.suspend(call, () => ({ flow: { path, input: toJson(input, `the input of flow "${path}"`), timeout: options.timeout } }));
  }

  /**
   * Whether this run takes the new code path of change `id`. A marker recorded at or
   * before this position says yes; a branch whose log already goes past this position
   * ran the old code here, so no; otherwise the run is reaching this point for the
   * first time under the new code: the marker is recorded (without taking a position,
   * so removing the call later shifts no keys) and the answer is yes.
   */
  patched(branch: string, id: string): boolean {
    const key = patchKey(branch, id);
    const here = this.sequence.get(branch) ?? 0;
    const marker = this.patches.get(key);
    if (marker !== undefined) return marker <= here;
    if ((this.lastSeq.get(branch) ?? -1) >= here) return false;
    this.patches.set(key, here);
    if (this.mode.kind === "drive" && !this.halted) outsideBody(() => this.host.begin({ key, branch, seq: here, kind: "patch", name: id, attempt: 1 }));
    return true;
  }

  step<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T> {
    const call = this.locate(branch, "step", name);
    if (!call) return never();
    if (isSettled(call.recorded)) return this.answer(call);
    if (this.mode.kind !== "drive") return this.wait(call.key);
    const result = this.wait<T>(call.key);
    this.steps.set(call.key, { call, fn: fn as Closure<unknown>, options });
    // Parked for a retry: the host's alarm calls rerunStep at the retry time.
    if (call.recorded?.status === "retrying") return result;
    // New, or recorded as running and cut off (eviction, crash): run it (again).
    this.runStep(call.key, (call.recorded?.attempts ?? 0) + 1);
    return result;
  }

  /** Runs attempt `attempt` of an inline step this execution has reached; false if it has not. */
  rerunStep(key: string, attempt: number): boolean {
    if (this.halted || !this.steps.has(key)) return false;
    this.runStep(key, attempt);
    return true;
  }

  private runStep(key: string, attempt: number): void {
    const step = this.steps.get(key);
    if (!step) return;
    outsideBody(() => {
      this.host.begin({ ...withoutRecorded(step.call), attempt, options: step.options });
      void runClosure(step.fn, key, attempt, step.options.timeout, this.host.attemptSignal?.(key, attempt)).then((outcome) => {
        if (this.halted) return;
        // Null: stale, or parked for a retry (which calls rerunStep later).
        const settled = this.host.finishStep(key, attempt, outcome);
        if (!settled) return;
        this.steps.delete(key);
        this.deliver(settled);
      });
    });
  }

  sleep(branch: string, name: string | undefined, seconds: number): Promise<void> {
    const call = this.locate(branch, "sleep", name);
    return call ? this.suspend(call, () => ({ seconds })) : never();
  }

  sleepUntil(branch: string, name: string | undefined, at: number): Promise<void> {
    const call = this.locate(branch, "sleep", name);
    return call ? this.suspend(call, () => ({ until: at })) : never();
  }

  /** Waits for an event: its step is named after it, and settles with its payload (or EventTimeoutError). */
  event(branch: string, request: EventRequest): Promise<unknown> {
    const call = this.locate(branch, "event", request.name);
    return call ? this.suspend(call, () => ({ event: request })) : never();
  }

  approval(branch: string, name: string | undefined, request: ApprovalRequest): Promise<ApprovalResult> {
    const call = this.locate(branch, "approval", name);
    return call
      ? this.suspend(call, () => {
          // The data shown to the approver is checkpointed like a result: plain JSON only.
          const data = toJson(request.data, `the data of approval "${call.key}"`);
          return { approval: data === undefined ? omitData(request) : { ...request, data } };
        })
      : never();
  }

  /**
   * A call settled from outside the execution (a sleep's wake, an approval's decision):
   * recorded once (drive mode) and answered when its outcome is delivered.
   */
  private suspend<T>(call: Located, details: () => Partial<NewCall>): Promise<T> {
    if (isSettled(call.recorded)) return this.answer(call);
    if (this.mode.kind === "drive" && !call.recorded) {
      const begun: NewCall = { ...withoutRecorded(call), attempt: 1, ...details() };
      outsideBody(() => this.host.begin(begun));
    }
    return this.wait(call.key);
  }

  parallel<I, O>(branch: string, items: readonly I[], fn: (item: I, index: number) => Promise<O>, options: ParallelOptions<I>): Promise<O[]> {
    if (this.halted) return never();
    const prefix = stepKey(branch, "parallel", bump(this.occurrences, `${branch}\u0000parallel`));
    return runParallel(items, fn, options, (index) => new BranchContext(this, itemBranch(prefix, index)));
  }

  private locate(branch: string, kind: StepKind, name: string | undefined): Located | undefined {
    if (this.halted) return undefined;
    const label = name ?? kind;
    const key = stepKey(branch, label, bump(this.occurrences, `${branch}\u0000${label}`));
    const seq = bump(this.sequence, branch);
    const recorded = this.byPosition.get(position(branch, seq));
    const conflict = recorded ? (recorded.key !== key || recorded.kind !== kind ? recorded : undefined) : this.byKey.get(key);
    if (conflict) {
      this.fail(divergedAt(conflict, { kind, name: label, key }, this.codeChange));
      return undefined;
    }
    return { key, branch, seq, kind, name: label, recorded };
  }

  private end(end: RunEnd): void {
    if (this.halted) return;
    this.halt();
    this.settleEnd(end);
  }

  /** Task mode: the target was asked for; run its closure, and stop replaying (nothing later matters). */
  private runTarget<T>(fn: Closure<T>, key: string, attempt: number, timeout: number, cancel: AbortSignal | undefined): void {
    this.settleTargetCalled();
    outsideBody(() => void runClosure(fn, key, attempt, timeout, cancel).then((outcome) => this.settleReached(outcome)));
    this.halt();
  }

  private wait<T>(key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(key, { resolve: resolve as (value: unknown) => void, reject });
    });
  }
}

function bump(counters: Map<string, number>, key: string): number {
  const n = counters.get(key) ?? 0;
  counters.set(key, n + 1);
  return n;
}

function position(branch: string, seq: number): string {
  return `${branch}\u0000${seq}`;
}

function isSettled(entry: LogEntry | undefined): entry is LogEntry & { status: "completed" | "failed" } {
  return entry !== undefined && (entry.status === "completed" || entry.status === "failed");
}

function outcomeOf(entry: LogEntry): Outcome {
  return entry.status === "failed" ? { ok: false, error: entry.error ?? unknownError } : { ok: true, value: entry.result as Json | undefined };
}

function stored<T>(entry: LogEntry): Promise<T> {
  if (entry.status === "failed") return Promise.reject(fromErrorData(entry.error ?? unknownError, entry.key));
  return Promise.resolve(entry.result as T);
}

const unknownError: ErrorData = { name: "Error", message: "the step failed without a recorded error" };

function omitData(request: ApprovalRequest): ApprovalRequest {
  const { data: _data, ...rest } = request;
  return rest;
}

function withoutRecorded(call: Located): Omit<NewCall, "attempt"> {
  return { key: call.key, branch: call.branch, seq: call.seq, kind: call.kind, name: call.name };
}
