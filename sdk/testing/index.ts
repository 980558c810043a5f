// `baton/testing`: run a workflow in memory, on the same replay machine production
// uses (sdk/core), with a virtual clock. Sleeps, approval and flow timeouts and retry
// back-off take no real time; task, step and script code runs in this process, for
// real. Web-standard apart from node:async_hooks (built into Deno and Node).

import { isScript, script as defineScript, type Script } from "../compose.ts";
import type { TaskContext } from "../context.ts";
import { InvalidArgumentError, StepLimitError, StuckRunError, TaskTimeoutError, UnansweredApprovalError } from "../errors.ts";
import { DEFAULT_TASK_OPTIONS, type ResolvedTaskOptions } from "../options.ts";
import type { ApprovalRequest, ApprovalResult } from "../approval.ts";
import { isWorkflow, type Workflow } from "../index.ts";
import { toErrorData, type ErrorData } from "../core/error-data.ts";
import { Execution, runClosure, type ExecutionHost, type ExecutionOptions, type NewCall, type Resolver, type WorkflowBody } from "../core/execution.ts";
import type { Json } from "../core/json.ts";
import { childOutcome, type LogEntry, type Outcome, type RunOutcome, type Settled, type StepKind, type StepStatus } from "../core/log.ts";
import { isRetryable, retryDelayMs } from "../core/retry-policy.ts";
import { RunMirror } from "../core/run-mirror.ts";
import { runTaskByReplay } from "../core/task-replay.ts";

/** What an approval asks, as `options.approve` receives it. */
export interface ApprovalAsk {
  /** The approval's step key, e.g. "approval#0". */
  key: string;
  message: string;
  subject: string;
  to: string[];
  data: unknown;
}

/** How a test answers an approval; null or undefined lets it run into its timeout. */
export type ApprovalAnswer = { approved: boolean; comment?: string; by?: string } | null | undefined;

/** Options of `runLocally`. */
export interface LocalRunOptions {
  /** Answers each approval the run waits for; without it, an approval fails runLocally with UnansweredApprovalError. */
  approve?: (request: ApprovalAsk) => ApprovalAnswer | Promise<ApprovalAnswer>;
  /** What `taskScript(path)` runs: a `script(...)` or a plain function of (args, context). */
  scripts?: Record<string, Script<never, unknown> | ((args: never, context: TaskContext) => unknown)>;
  /** What `taskFlow(path)` runs: a workflow (run as a child, on the same clock) or a plain function of the input. */
  flows?: Record<string, Workflow<never, unknown> | ((input: never) => unknown)>;
  /**
   * Replays the workflow from its log after every delivered outcome, and runs every
   * task attempt by replaying the log to it, as a consumer without a warm copy of the
   * run does. A workflow that is not replay-safe fails with the production
   * NonDeterminismError (or StuckRunError).
   */
  replayEveryStep?: boolean;
  /** Where the virtual clock starts (default: now). */
  startAt?: Date | number;
  /** Name shown as the run's `workflow` (default "local"). */
  name?: string;
  /** Most steps a run (with its children) may record before runLocally gives up, to stop endless loops (default 10,000). */
  maxSteps?: number;
  /**
   * Real milliseconds running task or step code may go without any progress before
   * the virtual clock moves on without it, so a hung attempt meets its (virtual)
   * timeout (default 500).
   */
  stallMs?: number;
}

/** One step as `GET /api/runs/:id` shows it, with virtual times. */
export interface LocalStep {
  key: string;
  kind: StepKind;
  name: string;
  status: StepStatus;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  error: ErrorData | null;
  wakeAt?: string;
  history?: { attempt: number; startedAt: string; endedAt: string; error: ErrorData | null }[];
  childId?: string;
  script?: string;
}

/** A finished in-memory run, shaped like `GET /api/runs/:id`. */
export interface LocalRun {
  id: string;
  workflow: string;
  kind: "workflow";
  status: "completed" | "failed" | "cancelled";
  parentId: string | null;
  input: unknown;
  output: unknown;
  error: ErrorData | null;
  createdAt: string;
  updatedAt: string;
  steps: LocalStep[];
  /** Runs started by taskFlow with a workflow from `options.flows`, in start order. */
  children: LocalRun[];
}

/**
 * Runs `workflow` with `input` in memory and resolves once it ends. Rejects (with a
 * named BatonError) only when the test setup cannot answer the run: an approval with
 * no `options.approve`, or a run left waiting on nothing.
 */
export async function runLocally<I, O>(workflow: Workflow<I, O>, input: I, options: LocalRunOptions = {}): Promise<LocalRun> {
  if (!isWorkflow(workflow)) throw new InvalidArgumentError("runLocally() takes a workflow made by workflow(), as a workflow file exports it by default");
  const start = options.startAt === undefined ? Date.now() : new Date(options.startAt).getTime();
  const clock = new VirtualClock(start, options.stallMs ?? 500);
  const run = new LocalEngine(workflow.run as WorkflowBody, input, options, clock, options.name ?? "local", null);
  run.start();
  await clock.runUntil(() => run.ended !== undefined, () => run.describeWaiting());
  return run.view();
}

// --- the virtual clock

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
class VirtualClock {
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
      const stalled = await this.settle();
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
  private async settle(): Promise<boolean> {
    for (;;) {
      while (this.running.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const progressed = await Promise.race([
          Promise.race([...this.running]).then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.stallMs))),
        ]);
        clearTimeout(timer);
        if (!progressed) return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.running.size === 0) return false;
    }
  }
}

// --- one run

interface Row extends LogEntry {
  startedAt: number;
  endedAt: number | null;
  attemptStartedAt: number;
  wakeAt?: number;
  options?: ResolvedTaskOptions;
  approval?: ApprovalRequest;
  script?: { path: string; args: Json | undefined };
  childId?: string;
  history: { attempt: number; startedAt: number; endedAt: number; error: ErrorData | null }[];
  change: number;
}

let nextLocalId = 1;

class LocalEngine {
  readonly id = `local-${nextLocalId++}`;
  ended: RunOutcome | undefined;
  private readonly rows = new Map<string, Row>();
  private readonly createdAt: number;
  private endedAt: number | null = null;
  private changes = 0;
  /** Outcomes settled so far: the last place given in the delivery order. */
  private deliveries = 0;
  private drive: Execution | undefined;
  private mirror: RunMirror | undefined;
  private replayDue = false;
  private readonly children: LocalEngine[] = [];
  private readonly childOf = new Map<string, LocalEngine>();
  private readonly resolver: Resolver;
  private readonly host: ExecutionHost = {
    begin: (call) => this.begin(call),
    finishStep: (key, attempt, outcome) => this.finishStep(key, attempt, outcome),
    // The clock stands still while outcomes are delivered to the body.
    delivering: (done) => this.clock.track(done),
    attemptSignal: (key, attempt) => this.attemptTimeout(key, attempt, this.rows.get(key)?.options?.timeout ?? DEFAULT_TASK_OPTIONS.timeout),
  };
  /** Virtual timeouts of attempts in flight, to cancel when they end. */
  private readonly timeouts = new Map<string, () => void>();

  private readonly body: WorkflowBody;
  private readonly input: unknown;
  private readonly options: LocalRunOptions;
  private readonly clock: VirtualClock;
  private readonly name: string;
  private readonly parentId: string | null;
  private readonly onEnd: (end: RunOutcome) => void;

  constructor(
    body: WorkflowBody,
    input: unknown,
    options: LocalRunOptions,
    clock: VirtualClock,
    name: string,
    parentId: string | null,
    onEnd: (end: RunOutcome) => void = () => {},
  ) {
    this.body = body;
    this.input = input;
    this.options = options;
    this.clock = clock;
    this.name = name;
    this.parentId = parentId;
    this.onEnd = onEnd;
    this.createdAt = clock.now;
    const scripts = new Map(Object.entries(options.scripts ?? {}).map(([path, value]) => [path, asScript(path, value)]));
    const flows = options.flows ?? {};
    this.resolver = {
      script: (path) => scripts.get(path),
      isWorkflow: (path) => Object.hasOwn(flows, path),
    };
  }

  start(): void {
    this.rebuild();
  }

  /** A fresh drive execution replaying the whole log, as a run object does after eviction. */
  private rebuild(): void {
    this.drive?.halt();
    if (this.ended) return;
    const execution = new Execution(this.body, this.input, this.log(), this.host, { kind: "drive" }, {
      ...this.replayOptions(),
      notFoundHint: "; with runLocally, supply it in options.scripts / options.flows",
    });
    this.drive = execution;
    void execution.ended.then((end) => {
      if (this.drive === execution) this.end(end);
    });
    execution.start();
  }

  /** How every execution of this run is set up: as a run object and a consumer set theirs up. */
  private replayOptions(): ExecutionOptions {
    return { resolver: this.resolver, seed: this.id, startedAt: this.createdAt };
  }

  private log(since = 0): LogEntry[] {
    return [...this.rows.values()]
      .filter((row) => row.change > since)
      .sort((a, b) => a.change - b.change)
      .map(({ key, branch, seq, kind, name, status, attempts, result, error, delivery, at }) => ({ key, branch, seq, kind, name, status, attempts, result, error, delivery, at }));
  }

  private touch(row: Row): void {
    row.change = ++this.changes;
  }

  private begin(call: NewCall): void {
    const now = this.clock.now;
    if (++this.clock.steps > (this.options.maxSteps ?? 10_000)) {
      this.clock.fail(new StepLimitError(`the run recorded more than ${this.options.maxSteps ?? 10_000} steps; raise options.maxSteps if that is intended`));
      this.drive?.halt();
      return;
    }
    const existing = this.rows.get(call.key);
    if (existing) {
      // A step's next attempt.
      existing.status = "running";
      existing.attempts = call.attempt;
      existing.attemptStartedAt = now;
      this.touch(existing);
      if (call.kind === "step") this.trackStep(call.key, call.attempt);
      return;
    }
    const row: Row = {
      key: call.key,
      branch: call.branch,
      seq: call.seq,
      kind: call.kind,
      name: call.name,
      status: call.kind === "sleep" ? "sleeping" : call.kind === "approval" ? "waiting" : call.kind === "patch" ? "completed" : "running",
      attempts: call.attempt,
      startedAt: now,
      endedAt: call.kind === "patch" ? now : null,
      attemptStartedAt: now,
      history: [],
      change: 0,
    };
    if (call.kind === "patch") row.result = true;
    if (call.options) row.options = call.options;
    if (call.script) row.script = call.script;
    this.rows.set(call.key, row);
    this.touch(row);
    switch (call.kind) {
      case "task":
        this.clock.at(now, () => this.runTask(call.key, call.attempt));
        return;
      case "step":
        this.trackStep(call.key, call.attempt);
        return;
      case "sleep":
        row.wakeAt = now + Math.round((call.seconds ?? 0) * 1000);
        this.clock.at(row.wakeAt, () => this.settle(call.key, 1, { ok: true, value: undefined }));
        return;
      case "approval":
        if (call.approval) this.ask(row, call.approval);
        return;
      case "flow":
        if (call.flow) this.startChild(row, call.flow);
        return;
      case "patch":
        return;
    }
  }

  // --- tasks and steps

  /** Keeps the clock still while an inline step's attempt runs (the execution runs it). */
  private readonly stepDone = new Map<string, () => void>();
  private trackStep(key: string, attempt: number): void {
    this.clock.track(new Promise<void>((resolve) => this.stepDone.set(`${key}\u0000${attempt}`, resolve)));
  }

  /** Aborts the attempt with TaskTimeoutError when the virtual clock reaches its timeout. */
  private attemptTimeout(key: string, attempt: number, seconds: number): AbortSignal {
    const controller = new AbortController();
    const id = `${key}\u0000${attempt}`;
    this.timeouts.get(id)?.();
    this.timeouts.set(
      id,
      this.clock.at(this.clock.now + seconds * 1000, () => {
        this.timeouts.delete(id);
        controller.abort(new TaskTimeoutError(`"${key}" attempt ${attempt} ran past its ${seconds} s timeout`));
      }),
    );
    return controller.signal;
  }

  private attemptEnded(key: string, attempt: number): void {
    const id = `${key}\u0000${attempt}`;
    this.timeouts.get(id)?.();
    this.timeouts.delete(id);
  }

  private finishStep(key: string, attempt: number, outcome: Outcome): Settled | null {
    this.attemptEnded(key, attempt);
    this.stepDone.get(`${key}\u0000${attempt}`)?.();
    this.stepDone.delete(`${key}\u0000${attempt}`);
    const row = this.rows.get(key);
    if (!row || row.status !== "running" || row.attempts !== attempt) return null;
    if (!outcome.ok && this.retryLater(row, attempt, outcome.error)) return null;
    const settled = this.store(row, attempt, outcome);
    // replayEveryStep: the outcome reaches the body through the replay, not the live execution.
    return this.options.replayEveryStep ? null : settled;
  }

  private runTask(key: string, attempt: number): void {
    const row = this.rows.get(key);
    if (!row || row.status !== "running" || row.attempts !== attempt || this.ended) return;
    this.clock.track(
      this.attemptOutcome(row, attempt).then((outcome) => {
        this.attemptEnded(row.key, attempt);
        if (!outcome || row.status !== "running" || row.attempts !== attempt) return;
        if (!outcome.ok && this.retryLater(row, attempt, outcome.error)) return;
        this.settle(key, attempt, outcome);
      }),
    );
  }

  /**
   * Runs one attempt's closure the way a consumer reaches it: a script by path; any
   * other task from a long-lived mirror of the run, or (replayEveryStep) by replaying
   * the log to it, so closure state never carries over from one attempt to the next.
   */
  private async attemptOutcome(row: Row, attempt: number): Promise<Outcome | null> {
    // The timeout runs on the virtual clock; a hung attempt meets it once the clock moves on.
    const timeout = this.attemptTimeout(row.key, attempt, row.options?.timeout ?? DEFAULT_TASK_OPTIONS.timeout);
    if (row.script) {
      const found = this.resolver.script(row.script.path);
      const args = row.script.args;
      if (!found) return { ok: false, error: { name: "ScriptNotFoundError", code: "script_not_found", message: `no script "${row.script.path}" in options.scripts` } };
      return runClosure((context) => found.run(args, context), row.key, attempt, undefined, timeout);
    }
    if (this.options.replayEveryStep) return runTaskByReplay(this.body, this.input, this.log(), row.key, attempt, this.replayOptions(), timeout);
    if (!this.mirror) this.mirror = new RunMirror(this.body, this.input, this.log(), this.changes, this.replayOptions());
    else this.mirror.absorb(this.log(this.mirror.cursor), this.changes);
    return (await this.mirror.run(row.key, attempt, timeout)) ?? runTaskByReplay(this.body, this.input, this.log(), row.key, attempt, this.replayOptions(), timeout);
  }

  /** Parks a failed attempt for its retry on the virtual clock, when the policy allows one. */
  private retryLater(row: Row, attempt: number, error: ErrorData): boolean {
    const delay = isRetryable(error) ? retryDelayMs((row.options ?? DEFAULT_TASK_OPTIONS).retries, attempt + 1) : null;
    if (delay === null) return false;
    const now = this.clock.now;
    row.history.push({ attempt, startedAt: row.attemptStartedAt, endedAt: now, error });
    row.status = "retrying";
    row.error = error;
    row.wakeAt = now + delay;
    this.touch(row);
    this.clock.at(row.wakeAt, () => {
      if (row.status !== "retrying" || this.ended) return;
      delete row.wakeAt;
      if (row.kind === "task") {
        row.status = "running";
        row.attempts = attempt + 1;
        row.attemptStartedAt = this.clock.now;
        this.touch(row);
        this.runTask(row.key, attempt + 1);
        return;
      }
      // An inline step: the live execution runs its kept closure again, or a rebuilt one finds it running.
      row.status = "running";
      this.touch(row);
      if (this.options.replayEveryStep || !this.drive?.rerunStep(row.key, attempt + 1)) this.rebuild();
    });
    return true;
  }

  // --- approvals and flows

  private ask(row: Row, request: ApprovalRequest): void {
    row.approval = request;
    row.wakeAt = this.clock.now + Math.round(request.timeout * 1000);
    const cancelTimeout = this.clock.at(row.wakeAt, () => {
      const result: ApprovalResult = { approved: false, decision: "timeout", decidedAt: new Date(this.clock.now).toISOString() };
      this.settle(row.key, 1, { ok: true, value: { ...result } });
    });
    const approve = this.options.approve;
    if (!approve) {
      this.clock.fail(
        new UnansweredApprovalError(
          `the workflow waits for approval "${row.key}" (${JSON.stringify(request.message)}, to ${request.to.join(", ") || "nobody"}) ` +
            `and nothing answers it: pass runLocally(workflow, input, { approve: (request) => ({ approved: true }) })`,
        ),
      );
      return;
    }
    const ask: ApprovalAsk = { key: row.key, message: request.message, subject: request.subject, to: [...request.to], data: request.data };
    this.clock.track(
      Promise.resolve(approve(ask)).then((answer) => {
        if (answer === null || answer === undefined) return;
        cancelTimeout();
        const result: ApprovalResult = { approved: answer.approved === true, decision: answer.approved === true ? "approved" : "rejected", decidedAt: new Date(this.clock.now).toISOString() };
        if (answer.by !== undefined) result.by = answer.by;
        if (answer.comment !== undefined) result.comment = answer.comment;
        this.settle(row.key, 1, { ok: true, value: { ...result } });
      }),
    );
  }

  private startChild(row: Row, flow: NonNullable<NewCall["flow"]>): void {
    const target = this.options.flows?.[flow.path];
    if (flow.timeout !== undefined) {
      row.wakeAt = this.clock.now + Math.round(flow.timeout * 1000);
      this.clock.at(row.wakeAt, () => {
        if (row.status !== "running") return;
        this.settle(row.key, 1, { ok: false, error: toErrorData(new TaskTimeoutError(`child flow "${row.key}" (${flow.path}) ran past its timeout; it was cancelled`)) });
        this.childOf.get(row.key)?.cancel();
      });
    }
    if (isWorkflow(target)) {
      const child = new LocalEngine(target.run as WorkflowBody, flow.input, this.options, this.clock, flow.path, this.id, (end) =>
        this.settle(row.key, 1, childOutcome(end, child.id, flow.path)),
      );
      row.childId = child.id;
      this.children.push(child);
      this.childOf.set(row.key, child);
      this.clock.at(this.clock.now, () => child.start());
      return;
    }
    const fn = target as (input: unknown) => unknown;
    this.clock.track(
      (async () => {
        let outcome: Outcome;
        try {
          outcome = { ok: true, value: (await fn(flow.input)) as Json | undefined };
        } catch (error) {
          outcome = { ok: false, error: toErrorData(error) };
        }
        this.settle(row.key, 1, outcome);
      })(),
    );
  }

  /** Ends the run as cancelled, with its children. */
  cancel(): void {
    if (this.ended) return;
    this.drive?.halt();
    this.end({ status: "cancelled" });
  }

  // --- settling

  private settle(key: string, attempt: number, outcome: Outcome): void {
    const row = this.rows.get(key);
    if (!row || this.ended || row.attempts !== attempt || !["running", "sleeping", "waiting"].includes(row.status)) return;
    const settled = this.store(row, attempt, outcome);
    if (this.options.replayEveryStep || !this.drive) return;
    this.drive.deliver(settled);
  }

  /** Stores an outcome with the next place in the delivery order; replayEveryStep replays the run once things are quiet. */
  private store(row: Row, attempt: number, outcome: Outcome): Settled {
    const now = this.clock.now;
    row.status = outcome.ok ? "completed" : "failed";
    row.endedAt = now;
    if (outcome.ok) {
      row.result = outcome.value;
      delete row.error;
    } else row.error = outcome.error;
    if (row.kind === "task" || row.kind === "step") row.history.push({ attempt, startedAt: row.attemptStartedAt, endedAt: now, error: outcome.ok ? null : outcome.error });
    row.delivery = ++this.deliveries;
    row.at = now;
    this.touch(row);
    if (this.options.replayEveryStep) this.replayAfterSettle();
    return { key: row.key, delivery: row.delivery, at: now, outcome };
  }

  /**
   * replayEveryStep: once the current burst of work is over (no step closure
   * running, which an eviction would have cut off), replay the run from its log.
   */
  private replayAfterSettle(): void {
    if (this.replayDue) return;
    this.replayDue = true;
    this.clock.at(this.clock.now, () => {
      this.replayDue = false;
      this.rebuild();
    });
  }

  private end(end: RunOutcome): void {
    if (this.ended) return;
    this.ended = end;
    this.endedAt = this.clock.now;
    this.drive?.halt();
    for (const row of this.rows.values()) {
      if (["queued", "running", "retrying", "sleeping", "waiting"].includes(row.status)) {
        row.status = "cancelled";
        row.endedAt = this.clock.now;
        this.childOf.get(row.key)?.cancel();
      }
    }
    this.onEnd(end);
  }

  /** What the run waits for, for a stuck run's error. */
  describeWaiting(): string {
    const open = [...this.rows.values()].filter((row) => !["completed", "failed", "cancelled"].includes(row.status));
    const children = this.children.filter((child) => !child.ended).map((child) => `child ${child.id} (${child.describeWaiting()})`);
    const parts = [...open.map((row) => `${row.kind} "${row.key}" (${row.status})`), ...children];
    return parts.length > 0 ? parts.join(", ") : "no open step: the workflow awaits a promise that is not a Baton primitive";
  }

  view(): LocalRun {
    const end = this.ended;
    const iso = (ms: number): string => new Date(ms).toISOString();
    return {
      id: this.id,
      workflow: this.name,
      kind: "workflow",
      status: end?.status ?? "cancelled",
      parentId: this.parentId,
      input: this.input,
      output: end?.status === "completed" ? (end.output ?? null) : null,
      error: end?.status === "failed" ? end.error : null,
      createdAt: iso(this.createdAt),
      updatedAt: iso(this.endedAt ?? this.clock.now),
      steps: [...this.rows.values()].map((row) => {
        const step: LocalStep = {
          key: row.key,
          kind: row.kind,
          name: row.name,
          status: row.status,
          attempts: row.attempts,
          startedAt: iso(row.startedAt),
          endedAt: row.endedAt === null ? null : iso(row.endedAt),
          error: row.error ?? null,
        };
        if (row.wakeAt !== undefined) step.wakeAt = iso(row.wakeAt);
        if ((row.kind === "task" || row.kind === "step") && (row.attempts > 1 || row.status === "failed")) {
          step.history = row.history.map((h) => ({ attempt: h.attempt, startedAt: iso(h.startedAt), endedAt: iso(h.endedAt), error: h.error }));
        }
        if (row.childId !== undefined) step.childId = row.childId;
        if (row.script) step.script = row.script.path;
        return step;
      }),
      children: this.children.map((child) => child.view()),
    };
  }
}

function asScript(path: string, value: unknown): Script {
  if (isScript(value)) return value;
  if (typeof value === "function") return defineScript((args: unknown, context: TaskContext) => (value as (a: unknown, c: TaskContext) => unknown)(args, context));
  throw new InvalidArgumentError(`options.scripts["${path}"] must be a script(...) or a function (args, context) => result`);
}
