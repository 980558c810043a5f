// The replay machine: runs a workflow function against a log. Calls the log has
// settled return their stored outcome at once; calls it has not seen are handed to
// the host (record, then start the work) and stay pending. Suspension never throws
// through user code: a suspended call's promise simply stays pending.

import type { ApprovalRequest, ApprovalResult } from "../../sdk/approval.ts";
import type { Script } from "../../sdk/compose.ts";
import type { Closure, FlowOptions, ParallelOptions, RunContext } from "../../sdk/context.ts";
import { BatonError, InvalidArgumentError, isNamed, NonDeterminismError, TaskTimeoutError } from "../../sdk/errors.ts";
import { resolveTaskOptions, type ResolvedTaskOptions, type TaskOptions } from "../../sdk/options.ts";
import { contexts } from "./async-context.ts";
import { fromErrorData, toErrorData, type ErrorData } from "./error-data.ts";
import { toJson, type Json } from "./json.ts";
import type { LogEntry, Outcome, RunEnd, StepKind } from "./log.ts";
import { ROOT_BRANCH, itemBranch, patchKey, stepKey } from "./step-key.ts";

/** A call the log has not recorded yet (or an inline step being run again). */
export interface NewCall {
  key: string;
  branch: string;
  seq: number;
  kind: StepKind;
  name: string;
  attempt: number;
  /** For sleeps: how long. */
  seconds?: number;
  /** For approvals: what is asked, of whom, for how long. */
  approval?: ApprovalRequest;
  /** For tasks: retry policy and per-attempt timeout. */
  options?: ResolvedTaskOptions;
  /** For script tasks: which script, with what args. */
  script?: { path: string; args: Json | undefined };
  /** For child flows: which workflow, its input, and how long it may run. */
  flow?: { path: string; input: Json | undefined; timeout?: number | undefined };
}

/** What an execution may look up about the deployment: scripts and workflows by path. */
export interface Resolver {
  /** The script registered at `path`. */
  script(path: string): Script | undefined;
  /** True when a workflow is registered at `path`. */
  isWorkflow(path: string): boolean;
}

/** A resolver that knows no scripts and no workflows. */
const EMPTY_RESOLVER: Resolver = { script: () => undefined, isWorkflow: () => false };

/** What an execution is given besides the body, the input and the log. */
export interface ExecutionOptions {
  /** Where taskScript and taskFlow look up their paths (default: nowhere). */
  resolver?: Resolver;
  /** Appended to non-determinism errors, e.g. that the run started on other code. */
  divergenceNote?: string;
  /** Appended to the error of a taskScript or taskFlow path the resolver does not know. */
  notFoundHint?: string;
}

/**
 * The execution whose workflow body (not a task or step closure) is running the
 * current code, if any. The in-memory runner uses it to give replays different
 * randomness than the first run, so branching on it shows up as divergence.
 */
export function currentExecution(): Execution | undefined {
  const store = contexts.getStore();
  return store instanceof BranchContext ? store.execution : undefined;
}

/** A task's closure with the timeout each attempt gets. */
export interface TaskClosure {
  fn: Closure<unknown>;
  timeout: number;
}

/** What the execution needs from whoever stores the log. */
export interface ExecutionHost {
  /** Records a new call and starts its work; synchronous, so the record precedes any effect. */
  begin(call: NewCall): void;
  /** Stores an inline step's outcome; false when it arrived too late to count. */
  finishStep(key: string, attempt: number, outcome: Outcome): boolean;
  /** A signal that ends an inline step's attempt early (the in-memory runner's virtual timeout). */
  attemptSignal?(key: string, attempt: number): AbortSignal | undefined;
}

/**
 * `drive`: the run object's execution, which starts new work.
 * `task`: a consumer's replay up to one task's key, whose closure it then runs.
 * `mirror`: a consumer's long-lived copy of a run, fed log changes with `absorb`;
 * it starts nothing and keeps the closure of every task it reaches.
 */
export type ExecutionMode = { kind: "drive" } | { kind: "task"; key: string; attempt: number; cancel?: AbortSignal | undefined } | { kind: "mirror" };

/** A host for executions that only read the log: they record and start nothing. */
export const IDLE_HOST: ExecutionHost = {
  begin: () => {},
  finishStep: () => false,
};

/** A workflow body as the engine calls it. */
export type WorkflowBody = (input: never) => Promise<unknown>;

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

export class Execution {
  /** Settles when the workflow function settles, or when replay diverges from the log. */
  readonly ended: Promise<RunEnd>;
  /** Task mode only: settles with the target closure's outcome once it ran. */
  readonly reached: Promise<Outcome>;
  /** Task mode only: settles when the workflow asks for the target task. */
  readonly targetCalled: Promise<void>;

  private readonly byKey = new Map<string, LogEntry>();
  private readonly byPosition = new Map<string, LogEntry>();
  /** `patched()` markers: the branch position each was recorded at. */
  private readonly patches = new Map<string, number>();
  /** The highest recorded position of each branch (markers aside). */
  private readonly lastSeq = new Map<string, number>();
  private readonly resolver: Resolver;
  private readonly divergenceNote: string;
  private readonly notFoundHint: string;
  private readonly sequence = new Map<string, number>();
  private readonly occurrences = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter>();
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
    this.divergenceNote = options.divergenceNote ?? "";
    this.notFoundHint = options.notFoundHint ?? "";
    this.remember(log);
    this.ended = new Promise((resolve) => (this.settleEnd = resolve));
    this.reached = new Promise((resolve) => (this.settleReached = resolve));
    this.targetCalled = new Promise((resolve) => (this.settleTargetCalled = resolve));
  }

  /** Calls the workflow function; returns once it first suspends or ends. */
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
  }

  /** Hands a settled outcome to the call waiting on `key`; false when none waits. */
  deliver(key: string, outcome: Outcome): boolean {
    const waiter = this.waiting.get(key);
    if (!waiter) return false;
    this.waiting.delete(key);
    if (outcome.ok) waiter.resolve(outcome.value);
    else waiter.reject(fromErrorData(outcome.error, key));
    return true;
  }

  /** Stops the execution: pending calls stay pending and nothing new starts. */
  halt(): void {
    this.halted = true;
    this.waiting.clear();
    this.closures.clear();
    this.steps.clear();
  }

  /** Mirror mode: takes in new or changed log entries, resuming calls they settle. */
  absorb(entries: Iterable<LogEntry>): void {
    for (const entry of entries) {
      this.remember([entry]);
      if (entry.kind !== "patch" && isSettled(entry)) {
        this.closures.delete(entry.key);
        this.deliver(entry.key, entry.status === "completed" ? { ok: true, value: entry.result as Json | undefined } : { ok: false, error: entry.error ?? unknownError });
      }
    }
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
    }
  }

  /** Mirror mode: the closure of the task at `key`, once the workflow has reached it. */
  closureFor(key: string): TaskClosure | undefined {
    return this.closures.get(key);
  }

  task<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T> {
    const call = this.locate(branch, "task", name);
    return call ? this.queued(call, fn, options) : never();
  }

  /**
   * A script run as a task. Its options are the script's own overridden by the
   * caller's; with cacheTtl and no cacheKey, the args are the cache key. The consumer
   * runs it by path, so mirrors keep no closure for it.
   */
  script<T>(branch: string, path: string, args: unknown, callOptions: TaskOptions | undefined): Promise<T> {
    if (this.halted) return never();
    const found = this.resolver.script(path);
    if (!found) {
      return Promise.reject(
        new BatonError("ScriptNotFoundError", "script_not_found", `taskScript("${path}"): no script is registered at workflows/${path}.ts (its default export must be script(...))${this.notFoundHint}`),
      );
    }
    const options = resolveTaskOptions({ ...found.options, ...callOptions }, "taskScript");
    if (options.cacheTtl !== undefined && callOptions?.cacheKey === undefined && found.options?.cacheKey === undefined) {
      options.cacheKey = args ?? null;
    }
    const call = this.locate(branch, "task", path);
    if (!call) return never();
    const fn: Closure<T> = (context) => found.run(args, context) as Promise<T>;
    return this.queued(call, fn, options, () => ({ path, args: toJson(args, `the args of script "${path}"`) }));
  }

  private queued<T>(call: Located, fn: Closure<T>, options: ResolvedTaskOptions, script?: () => NonNullable<NewCall["script"]>): Promise<T> {
    if (isSettled(call.recorded)) return stored(call.recorded);
    if (this.mode.kind === "mirror") {
      if (!script) this.closures.set(call.key, { fn: fn as Closure<unknown>, timeout: options.timeout });
      return this.wait(call.key);
    }
    if (this.mode.kind === "task") {
      if (call.key === this.mode.key) {
        this.settleTargetCalled();
        void this.runTarget(fn, call.key, this.mode.attempt, options.timeout, this.mode.cancel);
      }
      return never();
    }
    if (!call.recorded) {
      // The cache key is stored and compared as JSON, like a result.
      if (options.cacheKey !== undefined) toJson(options.cacheKey, `the cacheKey of "${call.key}"`);
      const begun: NewCall = { ...withoutRecorded(call), attempt: 1, options };
      if (script) begun.script = script();
      this.host.begin(begun);
    }
    return this.wait(call.key);
  }

  /** A child run of the workflow at `path`: recorded once, settled when the child ends. */
  flow<T>(branch: string, path: string, input: unknown, options: FlowOptions): Promise<T> {
    if (this.halted) return never();
    if (!this.resolver.isWorkflow(path)) {
      return Promise.reject(
        new BatonError("WorkflowNotFoundError", "workflow_not_found", `taskFlow("${path}"): no workflow is registered at workflows/${path}.ts (its default export must be workflow(...))${this.notFoundHint}`),
      );
    }
    const call = this.locate(branch, "flow", path);
    return call ? this.suspend(call, () => ({ flow: { path, input: toJson(input, `the input of flow "${path}"`), timeout: options.timeout } })) : never();
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
    if (this.mode.kind === "drive" && !this.halted) this.host.begin({ key, branch, seq: here, kind: "patch", name: id, attempt: 1 });
    return true;
  }

  step<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T> {
    const call = this.locate(branch, "step", name);
    if (!call) return never();
    if (isSettled(call.recorded)) return stored(call.recorded);
    if (this.mode.kind === "mirror") return this.wait(call.key);
    if (this.mode.kind === "task") return never();
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
    this.host.begin({ ...withoutRecorded(step.call), attempt, options: step.options });
    void runClosure(step.fn, key, attempt, step.options.timeout, this.host.attemptSignal?.(key, attempt)).then((outcome) => {
      // False: stale, or parked for a retry (which calls rerunStep later).
      if (this.halted || !this.host.finishStep(key, attempt, outcome)) return;
      this.steps.delete(key);
      this.deliver(key, outcome);
    });
  }

  sleep(branch: string, name: string | undefined, seconds: number): Promise<void> {
    const call = this.locate(branch, "sleep", name);
    return call ? this.suspend(call, () => ({ seconds })) : never();
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
   * stored outcome if the log has one, else recorded once (drive mode) and pending.
   */
  private suspend<T>(call: Located, details: () => Partial<NewCall>): Promise<T> {
    if (isSettled(call.recorded)) return stored(call.recorded);
    if (this.mode.kind === "mirror") return this.wait(call.key);
    if (this.mode.kind === "task") return never();
    if (!call.recorded) this.host.begin({ ...withoutRecorded(call), attempt: 1, ...details() });
    return this.wait(call.key);
  }

  parallel<I, O>(
    branch: string,
    items: readonly I[],
    fn: (item: I, index: number) => Promise<O>,
    options: ParallelOptions<I>,
  ): Promise<O[]> {
    if (this.halted) return never();
    // Launch order: by priority (highest first) when given, else item order. Keys stay per item.
    const order = items.map((_, index) => index);
    if (options.priority) {
      const rank = items.map((item, index) => {
        const value = options.priority?.(item, index);
        if (typeof value !== "number" || !Number.isFinite(value)) {
          throw new InvalidArgumentError(`parallel() priority must return a finite number, got ${String(value)} for item ${index}`);
        }
        return value;
      });
      order.sort((a, b) => (rank[b] ?? 0) - (rank[a] ?? 0) || a - b);
    }
    const prefix = stepKey(branch, "parallel", bump(this.occurrences, `${branch}\u0000parallel`));
    const results = new Array<O>(items.length);
    const limit = Math.min(options.concurrency ?? items.length, items.length);
    return new Promise<O[]>((resolve, reject) => {
      if (items.length === 0) return resolve(results);
      let next = 0;
      let done = 0;
      let failed = false;
      const launch = (): void => {
        const index = order[next++] ?? 0;
        const context = new BranchContext(this, itemBranch(prefix, index));
        let branchResult: Promise<O>;
        try {
          branchResult = contexts.run(context, () => fn(items[index] as I, index));
        } catch (error) {
          branchResult = Promise.reject(error);
        }
        Promise.resolve(branchResult).then(
          (value) => {
            results[index] = value;
            done += 1;
            if (done === items.length) resolve(results);
            else if (!failed && next < items.length) launch();
          },
          (error: unknown) => {
            // Like Promise.all: the first failure rejects; no further items start.
            if (!failed) reject(error);
            failed = true;
          },
        );
      };
      for (let i = 0; i < limit; i++) launch();
    });
  }

  private locate(branch: string, kind: StepKind, name: string | undefined): Located | undefined {
    if (this.halted) return undefined;
    const label = name ?? kind;
    const key = stepKey(branch, label, bump(this.occurrences, `${branch}\u0000${label}`));
    const seq = bump(this.sequence, branch);
    const recorded = this.byPosition.get(position(branch, seq));
    const conflict = recorded ? (recorded.key !== key || recorded.kind !== kind ? recorded : undefined) : this.byKey.get(key);
    if (conflict) {
      this.diverge(conflict, { kind, name: label, key, seq });
      return undefined;
    }
    return { key, branch, seq, kind, name: label, recorded };
  }

  private diverge(recorded: LogEntry, asked: { kind: StepKind; name: string; key: string; seq: number }): void {
    const where = recorded.branch === ROOT_BRANCH ? "the workflow body" : `branch "${recorded.branch}"`;
    const error = new NonDeterminismError(
      `Replay diverged at step key "${recorded.key}": the log recorded ${recorded.kind} "${recorded.name}" ` +
        `as call ${recorded.seq + 1} of ${where}, but the code asked for ${asked.kind} "${asked.name}" (key "${asked.key}"). ` +
        `The workflow's code changed under a run in flight (branch on patched() to keep old runs on the old path), ` +
        `or it branches on something outside a step (time, randomness, I/O); move that into a step().${this.divergenceNote}`,
    );
    this.end({ status: "failed", error: toErrorData(error) });
  }

  private end(end: RunEnd): void {
    if (this.halted) return;
    this.halt();
    this.settleEnd(end);
  }

  private async runTarget<T>(fn: Closure<T>, key: string, attempt: number, timeout: number, cancel: AbortSignal | undefined): Promise<void> {
    this.settleReached(await runClosure(fn, key, attempt, timeout, cancel));
  }

  private wait<T>(key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(key, { resolve: resolve as (value: unknown) => void, reject });
    });
  }
}

/** How long a cancelled closure may take to stop after its signal aborts. */
const CANCEL_GRACE_MS = 5_000;

/**
 * Runs a task or step closure and captures its outcome; primitives inside it fail
 * clearly. With a timeout (seconds), the attempt fails with TaskTimeoutError at the
 * deadline and the closure's signal is aborted, so its fetches stop too. When
 * `cancel` aborts (the attempt is no longer wanted), so does the closure's signal;
 * the attempt ends when the closure does, or with the abort's reason after a grace
 * period; a `cancel` whose reason is a TaskTimeoutError ends it at once.
 */
export async function runClosure<T>(fn: Closure<T>, key: string, attempt: number, timeout?: number, cancel?: AbortSignal): Promise<Outcome> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopListening = (): void => {};
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // Reject first: a closure that settles as soon as its signal aborts must not win the race.
    const stop = (error: unknown): void => {
      reject(error);
      controller.abort(error);
    };
    if (timeout !== undefined) {
      timer = setTimeout(() => stop(new TaskTimeoutError(`"${key}" attempt ${attempt} ran past its ${timeout} s timeout`)), timeout * 1000);
    }
    if (cancel) {
      // The closure hears the abort at once and gets a grace period to stop on its own
      // (its clean-up may do I/O, which ends with the consumer's invocation).
      const onCancel = (): void => {
        // A timeout decided elsewhere (the in-memory runner's virtual clock) ends the attempt at once, as a local one does.
        if (isNamed(cancel.reason, "TaskTimeoutError")) return stop(cancel.reason);
        controller.abort(cancel.reason);
        graceTimer = setTimeout(() => reject(cancel.reason), CANCEL_GRACE_MS);
      };
      if (cancel.aborted) onCancel();
      cancel.addEventListener("abort", onCancel, { once: true });
      stopListening = () => cancel.removeEventListener("abort", onCancel);
    }
  });
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    const value = await Promise.race([contexts.run(CLOSURE_CONTEXT, () => fn({ key, attempt, signal: controller.signal })), deadline]);
    return { ok: true, value: toJson(value, `the result of "${key}"`) };
  } catch (error) {
    return { ok: false, error: toErrorData(error) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (graceTimer !== undefined) clearTimeout(graceTimer);
    stopListening();
  }
}

/** The context primitives see inside a branch of a running workflow. */
class BranchContext implements RunContext {
  readonly execution: Execution;
  private readonly branch: string;
  constructor(execution: Execution, branch: string) {
    this.execution = execution;
    this.branch = branch;
  }
  task<T>(name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T> {
    return this.execution.task(this.branch, name, fn, options);
  }
  step<T>(name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T> {
    return this.execution.step(this.branch, name, fn, options);
  }
  sleep(name: string | undefined, seconds: number): Promise<void> {
    return this.execution.sleep(this.branch, name, seconds);
  }
  approval(name: string | undefined, request: ApprovalRequest): Promise<ApprovalResult> {
    return this.execution.approval(this.branch, name, request);
  }
  parallel<I, O>(items: readonly I[], fn: (item: I, index: number) => Promise<O>, options: ParallelOptions<I>): Promise<O[]> {
    return this.execution.parallel(this.branch, items, fn, options);
  }
  script<T>(path: string, args: unknown, options: TaskOptions | undefined): Promise<T> {
    return this.execution.script(this.branch, path, args, options);
  }
  flow<T>(path: string, input: unknown, options: FlowOptions): Promise<T> {
    return this.execution.flow(this.branch, path, input, options);
  }
  patched(id: string): boolean {
    return this.execution.patched(this.branch, id);
  }
}

const nested = (primitive: string): never => {
  throw new InvalidArgumentError(
    `${primitive}() cannot be called inside a task or step closure; call it from the workflow body instead`,
  );
};

/** Inside a closure, primitives refuse: a closure is one checkpoint, not a workflow. */
const CLOSURE_CONTEXT: RunContext = {
  task: () => nested("task"),
  step: () => nested("step"),
  sleep: () => nested("sleep"),
  approval: () => nested("waitForApproval"),
  parallel: () => nested("parallel"),
  script: () => nested("taskScript"),
  flow: () => nested("taskFlow"),
  patched: () => nested("patched"),
};

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
