// The replay machine: runs a workflow function against a log. Every outcome reaches
// the body through one delivery loop, in the order the log recorded (live outcomes
// take the next place in that order), one at a time with the body's microtasks run
// in between — so a replay, however rebuilt, sees the interleaving the first run saw.
// Calls the log has not seen are handed to the host (record, then start the work)
// and stay pending. Suspension never throws through user code. Its parts: the
// recorded log's index (recorded-log.ts), the calls waiting for outcomes
// (waiting-calls.ts), drive mode's inline steps (inline-steps.ts) and task mode's
// target (task-target.ts).

import type { EventUrlMaker } from "./event-url-host.ts";
import type { Closure, ResolvedFlowOptions, ParallelOptions } from "../context.ts";
import { WorkflowNotFoundError } from "../errors.ts";
import type { ResolvedTaskOptions, TaskOptions } from "../options.ts";
import { contexts } from "./async-context.ts";
import { BranchContext, type BranchHost } from "./branch-context.ts";
import { alreadyAborted, CANCEL_KEY, Cancellation, type CallSite } from "./cancellation.ts";
import { DeliveryLoop } from "./delivery-loop.ts";
import { EMPTY_RESOLVER, type ExecutionHost, type ExecutionMode, type ExecutionOptions, type NewCall, type Resolver, type TaskClosure, type WorkflowBody } from "./execution-types.ts";
import { installDeterminism, SeededRandom, type BodyEnvironment } from "./determinism.ts";
import { toErrorData } from "./error-data.ts";
import { InlineSteps } from "./inline-steps.ts";
import { toJson, toValueJson } from "./json.ts";
import type { LogEntry, Outcome, RunOutcome, Settled, StepKind } from "./log.ts";
import { runParallel } from "./parallel.ts";
import { scriptCall } from "./script-call.ts";
import { isSettled, outcomeOf, RecordedLog, stored, withoutRecorded, type Located } from "./recorded-log.ts";
import { divergedAt, forbidden, notAskedFor, stuck, taskNotReached } from "./replay-errors.ts";
import { outsideBody } from "./run-closure.ts";
import { runInfoOf, type RunFacts, type RunInfo } from "./run-info.ts";
import { continueAt } from "./continue-as-new.ts";
import { ROOT_BRANCH, itemBranch, stepKey } from "./step-key.ts";
import { TaskTarget } from "./task-target.ts";
import { handUpdate } from "./updates.ts";
import { WaitingCalls } from "./waiting-calls.ts";

export { runClosure } from "./run-closure.ts";
export { EMPTY_RESOLVER, IDLE_HOST, type ExecutionHost, type ExecutionMode, type ExecutionOptions, type NewCall, type Resolver, type TaskClosure, type WorkflowBody } from "./execution-types.ts";

installDeterminism();

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/** One run of a workflow body against its log, in one mode (ExecutionMode): the primitives' host while the body runs. */
export class Execution implements BranchHost {
  /** Settles when the workflow function settles, or when replay fails (divergence, a stuck body). */
  readonly ended: Promise<RunOutcome>;
  /** Task mode only: settles with the target closure's outcome once it ran. */
  readonly reached: Promise<Outcome>;
  /** Task mode only: settles when the workflow asks for the target task. */
  readonly targetCalled: Promise<void>;
  /** What the globals read while this execution's body code runs. */
  readonly environment: BodyEnvironment;

  /** The recorded log by key and position, and where the body's calls so far stand in it. */
  private readonly log = new RecordedLog();
  private readonly resolver: Resolver;
  private readonly codeChange: string | undefined;
  private readonly notFoundHint: string;
  private readonly run: RunFacts;
  /** Calls made and not yet answered, by key. */
  private readonly waiting = new WaitingCalls();
  /** Hands settled outcomes to the body in their delivery order; keeps the body's clock. */
  private readonly outcomes: DeliveryLoop;
  private readonly random: SeededRandom;
  /** Drive mode: inline steps reached but not settled, kept so a retry can run them again. */
  private readonly steps: InlineSteps;
  /** Mirror mode: the closures of tasks reached but not yet settled. */
  private readonly closures = new Map<string, TaskClosure>();
  private halted = false;
  private settleEnd: (end: RunOutcome) => void = () => {};
  /** Whether the run's cancel was delivered, and the calls cancelled so far. */
  private readonly cancels = new Cancellation(this.waiting, (key) => this.cancelled(key), () => this.outcomes.pending());
  /** Task mode: the task replayed to. */
  private readonly target = new TaskTarget();
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
    this.run = options.run ?? { id: options.seed ?? "", workflow: "", parentId: null, restartOf: null, attempt: 1, startedAt: options.startedAt ?? 0 };
    this.steps = new InlineSteps(host, { stopped: () => this.halted, deliver: (settled) => void this.deliver(settled) });
    this.outcomes = new DeliveryLoop(
      {
        stopped: () => this.halted,
        hand: (outcome) => this.hand(outcome),
        quiet: () => this.quiet(),
        unasked: (outcome) => this.unasked(outcome),
        delivering: (done) => host.delivering?.(done),
      },
      options.startedAt ?? 0,
      (pump) => outsideBody(pump), options.payloads,
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
    this.reached = this.target.reached;
    this.targetCalled = this.target.called;
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
        if (this.cancels.requested) return this.end({ status: "cancelled" });
        try {
          this.end({ status: "completed", output: toValueJson(output, "the workflow's return value") });
        } catch (error) {
          this.end({ status: "failed", error: toErrorData(error) });
        }
      },
      (error: unknown) => this.end(this.cancels.requested ? { status: "cancelled" } : { status: "failed", error: toErrorData(error) }),
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
      if (entry.kind !== "patch" && isSettled(entry) && !entry.delivery) this.waiting.settle(entry.key, outcomeOf(entry));
    }
    this.outcomes.kick();
  }

  private remember(entries: Iterable<LogEntry>): void {
    for (const entry of entries) {
      this.log.remember(entry);
      if (entry.kind !== "patch" && isSettled(entry) && entry.delivery) {
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
    if (outcome.key === CANCEL_KEY) return this.cancels.cancelRun(outcome.outcome);
    if (handUpdate(this, outcome)) return true;
    // A call cancelled before its outcome came: the outcome is passed over, as in the first run.
    if (this.cancels.passes(outcome.key)) return true;
    if (!this.waiting.settle(outcome.key, outcome.outcome)) return false;
    this.closures.delete(outcome.key);
    return true;
  }

  /** Nothing to deliver and the body at rest: a body waiting on no primitive can never go on. */
  private quiet(): void {
    if (this.mode.kind === "mirror") return;
    // Cancelled and waiting on nothing: the body can never end by itself, and need not.
    if (this.waiting.size === 0 && this.cancels.requested) this.end({ status: "cancelled" });
    else if (this.waiting.size === 0) this.fail(stuck(this.outcomes.lastKey));
    else if (this.mode.kind === "task") this.fail(taskNotReached(this.mode.key, this.waiting.keys(), this.codeChange));
  }

  /** The next recorded outcome belongs to a call the body, at rest, has not made. */
  private unasked(next: Settled): void {
    if (this.mode.kind !== "mirror" && this.waiting.size === 0) this.fail(stuck(this.outcomes.lastKey));
    else this.fail(notAskedFor(next, this.waiting.keys(), this.codeChange));
  }

  private fail(error: Error): void {
    this.end({ status: "failed", error: toErrorData(error) }, true);
  }

  /**
   * The promise a call returns: the recorded outcome at once for logs from before the
   * delivery order was kept, else a wait for the delivery loop to bring it.
   */
  private answer<T>(call: Located, site: CallSite): Promise<T> {
    const recorded = call.recorded;
    if (recorded && isSettled(recorded) && !recorded.delivery) {
      if (recorded.at !== undefined) this.outcomes.now = Math.max(this.outcomes.now, recorded.at);
      return stored(recorded);
    }
    return this.cancels.wait(call.key, site);
  }

  /** A call was cancelled (its signal, a lost race, the run's cancel): drive mode's host ends its step cancelled. */
  private cancelled(key: string): void {
    this.closures.delete(key);
    this.steps.forget(key);
    if (this.mode.kind === "drive") outsideBody(() => this.host.cancelStep?.(key));
  }

  // --- the primitives

  task<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions, site: CallSite, key?: string): Promise<T> {
    const call = alreadyAborted<T>(site, "task()") ?? this.locate(branch, "task", name, key);
    return call instanceof Promise ? call : call ? this.cancels.rollbacks.track(call, site, this.queued(call, fn, options, site)) : never();
  }

  /**
   * A script run as a task (script-call.ts). The consumer runs it by path, so mirrors
   * keep no closure for it. A call the log already holds is answered from the log even
   * when the script is no longer deployed.
   */
  script<T>(branch: string, path: string, args: unknown, callOptions: TaskOptions | undefined, site: CallSite): Promise<T> {
    if (this.halted) return never();
    const call = alreadyAborted<T>(site, `taskScript("${path}")`) ?? this.locate(branch, "task", path);
    if (call instanceof Promise) return call;
    if (!call) return never();
    // Already recorded: answered from the log (or when it settles), whatever is deployed now;
    // only a task-mode replay aimed at it needs its code.
    if (call.recorded && (isSettled(call.recorded) || !(this.mode.kind === "task" && this.mode.key === call.key))) {
      return isSettled(call.recorded) ? this.answer(call, site) : this.cancels.wait(call.key, site);
    }
    const resolved = scriptCall<T>(this.resolver, path, args, callOptions, this.notFoundHint);
    if (resolved instanceof Error) return Promise.reject(resolved);
    return this.queued(call, resolved.fn, resolved.options, site, resolved.script);
  }

  private queued<T>(call: Located, fn: Closure<T>, options: ResolvedTaskOptions, site: CallSite, script?: () => NonNullable<NewCall["script"]>): Promise<T> {
    if (isSettled(call.recorded)) return this.answer(call, site);
    if (this.mode.kind === "mirror") {
      if (!script) this.closures.set(call.key, { fn: fn as Closure<unknown>, timeout: options.timeout });
      return this.cancels.wait(call.key, site);
    }
    if (this.mode.kind === "task") {
      if (call.key === this.mode.key) {
        // The target was asked for: run its closure, and stop replaying (nothing later matters).
        this.target.run(fn, call.key, this.mode.attempt, options.timeout, this.mode.cancel, this.mode.traceparent ?? null);
        this.halt();
        return never();
      }
      return this.cancels.wait(call.key, site);
    }
    if (!call.recorded) {
      // The cache key is stored and compared as JSON, like a result.
      if (options.cacheKey !== undefined) toJson(options.cacheKey, `the cacheKey of "${call.key}"`);
      const begun: NewCall = { ...withoutRecorded(call), attempt: 1, options };
      if (script) begun.script = script();
      outsideBody(() => this.host.begin(begun));
    }
    return this.cancels.wait(call.key, site);
  }

  /** A child run of the workflow at `path`: recorded once, settled when the child ends. */
  flow<T>(branch: string, path: string, input: unknown, options: ResolvedFlowOptions, site: CallSite): Promise<T> {
    if (this.halted) return never();
    const call = alreadyAborted<T>(site, `taskFlow("${path}")`) ?? this.locate(branch, "flow", path);
    if (call instanceof Promise) return call;
    if (!call) return never();
    if (!call.recorded && !this.resolver.isWorkflow(path)) {
      return Promise.reject(new WorkflowNotFoundError(`taskFlow("${path}"): no workflow is registered at workflows/${path}.ts (its default export must be workflow(...))${this.notFoundHint}`));
    }
    return this.suspend(call, site, () => ({ flow: { path, input: toJson(input, `the input of flow "${path}"`), timeout: options.timeout, start: options.start } }));
  }

  /** eventUrl(): the host's signer, if it has one. */
  eventUrlMaker(): EventUrlMaker | undefined {
    return this.host.eventUrl?.bind(this.host);
  }

  /** currentRun(): the host's facts, the same in every mode, so it records nothing. */
  runInfo(): RunInfo {
    return runInfoOf(this.run);
  }

  /** continueAsNew(): ends the run continued once its successor's input is checked, recorded once in drive mode; cancelled, it ends cancelled (continue-as-new.ts). */
  continueAsNew(branch: string, input: unknown): Promise<never> {
    return this.mode.kind === "mirror" ? never() : continueAt(this.locate(branch, "continue", "continueAsNew"), input, this.body, this.cancels.requested, this.mode.kind === "drive" ? (call) => outsideBody(() => this.host.begin(call)) : undefined, (end) => this.end(end));
  }

  /** Whether this run takes the new code path of change `id` (the rule: RecordedLog.patched); drive mode records a new marker. */
  patched(branch: string, id: string): boolean {
    const { taken, marker } = this.log.patched(branch, id);
    if (marker && this.mode.kind === "drive" && !this.halted) outsideBody(() => this.host.begin(marker));
    return taken;
  }

  step<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions, site: CallSite, key?: string): Promise<T> {
    const call = alreadyAborted<T>(site, "step()") ?? this.locate(branch, "step", name, key);
    return call instanceof Promise ? call : call ? this.cancels.rollbacks.track(call, site, this.inline(call, fn, options, site)) : never();
  }

  private inline<T>(call: Located, fn: Closure<T>, options: ResolvedTaskOptions, site: CallSite): Promise<T> {
    if (isSettled(call.recorded)) return this.answer(call, site);
    // Cancelled in the first run: the replay cancels it again at the same point, and it never runs again.
    if (this.mode.kind !== "drive" || call.recorded?.status === "cancelled") return this.cancels.wait(call.key, site);
    const result = this.cancels.wait<T>(call.key, site);
    this.steps.keep(call, fn as Closure<unknown>, options);
    // Parked for a retry: the host's alarm calls rerunStep at the retry time.
    if (call.recorded?.status === "retrying") return result;
    // New, or recorded as running and cut off (eviction, crash): run it (again).
    this.steps.run(call.key, (call.recorded?.attempts ?? 0) + 1);
    return result;
  }

  /** Runs attempt `attempt` of an inline step this execution has reached; false if it has not. */
  rerunStep(key: string, attempt: number): boolean {
    if (this.halted || !this.steps.has(key)) return false;
    this.steps.run(key, attempt);
    return true;
  }

  /** A call settled from outside the execution (a sleep's wake, an event, a decision); `details(key)` is what the host records of it. */
  suspended<T>(branch: string, kind: StepKind, name: string | undefined, site: CallSite, details: (key: string) => Partial<NewCall>): Promise<T> {
    const call = alreadyAborted<T>(site, `${kind} "${name ?? kind}"`) ?? this.locate(branch, kind, name);
    return call instanceof Promise ? call : call ? this.suspend(call, site, () => details(call.key)) : never();
  }

  /**
   * A call settled from outside the execution (a sleep's wake, an approval's decision):
   * recorded once (drive mode) and answered when its outcome is delivered.
   */
  private suspend<T>(call: Located, site: CallSite, details: () => Partial<NewCall>): Promise<T> {
    if (isSettled(call.recorded)) return this.answer(call, site);
    if (this.mode.kind === "drive" && !call.recorded) {
      const begun: NewCall = { ...withoutRecorded(call), attempt: 1, ...details() };
      outsideBody(() => this.host.begin(begun));
    }
    return this.cancels.wait(call.key, site);
  }

  parallel<I, O>(branch: string, items: readonly I[], fn: (item: I, index: number) => Promise<O>, options: ParallelOptions<I>, shielded: boolean): Promise<O[]> {
    if (this.halted) return never();
    const prefix = stepKey(branch, "parallel", this.log.nextOccurrence(branch, "parallel"));
    return runParallel(items, fn, options, (index) => new BranchContext(this, itemBranch(prefix, index), shielded));
  }

  private locate(branch: string, kind: StepKind, name: string | undefined, key?: string): Located | undefined {
    if (this.halted) return undefined;
    const { call, conflict } = this.log.locate(branch, kind, name, key);
    if (conflict) {
      this.fail(divergedAt(conflict, { kind, name: call.name, key: call.key }, this.codeChange));
      return undefined;
    }
    return call;
  }

  /** `final`: no rollback first (a replay failure, or the rollbacks' own end; rollbacks.ts). */
  private end(end: RunOutcome, final = false): void {
    if (this.halted || (!final && this.cancels.unwinds(end, this, (last) => this.end(last, true)))) return;
    this.halt();
    this.settleEnd(end);
  }
}
