// One Durable Object per run. It owns the run's log, drives the workflow function
// (kept alive in memory between events, rebuilt by replay after eviction), dispatches
// tasks to the queue, and uses its one alarm for sleeps, task deadlines and retries
// of its own housekeeping.

import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { DEFAULT_TASK_OPTIONS, TaskTimeoutError, WorkerTagError, WorkflowNotFoundError, type ApprovalResult } from "baton";
import { type ResolvedTaskOptions, toErrorData, type ErrorData, Execution, type ExecutionHost, type NewCall, canonicalJson, encodeJson, type Json, childOutcome, type LogEntry, type Outcome, type RunEnd, type RunOutcome, type Settled, macrotask, isReplayFailure, isRetryable, retryDelayMs, codeChangeNote } from "baton/engine";
import { approvalLinks, sendApprovalEmails } from "../approvals/approval-mail.ts";
import type { Env } from "../env.ts";
import { bindingMailer, type Mailer } from "../approvals/mailer.ts";
import { TaskReport, type TaskMessage } from "../tasks/messages.ts";
import { registry } from "../registry.ts";
import { isTerminal, RunStore, type RunRow, type Signal } from "./run-store.ts";
import { iso, type RunSummary } from "./run-view.ts";
import { cacheIdentity } from "../tasks/task-cache.ts";
import { queueFor } from "../tasks/task-queues.ts";

/** How long after an attempt's timeout the run object stops waiting for its report. */
const WATCHDOG_GRACE_MS = 10_000;
/** Back-off for a failed queue send or index update. */
const HOUSEKEEPING_RETRY_MS = 5_000;
/** Longest wait between tries of a signal to another run (they are tried until delivered). */
const SIGNAL_MAX_BACKOFF_MS = 10 * 60_000;

/** What `start` needs to create a run. */
export interface StartRequest {
  id: string;
  workflow: string;
  input: Json | undefined;
  idempotencyKey: string | null;
  /** The origin of the start request, for approval links when BATON_PUBLIC_URL is unset. */
  origin: string | null;
  /** Set for a child run: the parent run and the flow step waiting for this one. */
  parent?: { id: string; key: string } | undefined;
}

/** What `start` answers: the run, and whether this call created it. */
export type StartResult = { created: boolean; run: RunSummary; conflict?: boolean };

/** What a consumer needs to run tasks of a run: the log entries changed after its cursor. */
export interface TaskContextData {
  workflow: string;
  /** The run's input; sent only with the whole log (cursor 0). */
  input?: Json | undefined;
  /** When the run was created (ms), the body's clock before its first outcome; sent with the input. */
  startedAt?: number;
  /** Entries changed after the consumer's cursor, in the order they changed. */
  log: LogEntry[];
  /** The change number to send as `since` next time. */
  cursor: number;
  /** The version of the workflow's code this run object runs it with; a consumer on other code hands the task back. */
  version: string | null;
  /** For each task asked about: whether that attempt is still wanted. */
  wanted: boolean[];
  /** For each task asked about: the script it runs by path (no replay needed), or null; absent when none is a script. */
  scripts?: ({ path: string; args: Json | undefined; timeout: number } | null)[];
}

/** One task attempt a consumer holds a message for. */
export interface TaskRef {
  key: string;
  attempt: number;
}

/** What the approval page shows. */
export interface ApprovalInfo {
  runId: string;
  workflow: string;
  runStatus: string;
  status: string;
  to: string[];
  subject: string;
  message: string;
  /** The request's data as pretty-printed JSON, or null. */
  data: string | null;
  expiresAt: string;
  result: ApprovalResult | null;
}

/** A person's decision on an approval. */
export interface Decision {
  approved: boolean;
  comment?: string | undefined;
  by?: string | undefined;
}

/** What `decide` answers. */
export type DecideResult =
  | { status: "decided"; result: ApprovalResult }
  | { status: "already_decided"; result: ApprovalResult | null }
  | { status: "approval_not_found" }
  | { status: "run_not_active"; run: RunSummary }
  | { status: "run_not_found" };

/** What `cancel` answers. */
export type CancelResult = { status: "cancelled"; run: RunSummary } | { status: "not_active"; run: RunSummary } | { status: "not_found" };

export class RunObject extends DurableObject<Env> {
  private readonly store: RunStore;
  private execution: Execution | undefined;
  private outbox: TaskMessage[] = [];
  /** Task attempts that must get a concurrency slot before they are sent. */
  private toAcquire: TaskMessage[] = [];
  private flushing: Promise<void> | undefined;
  private flushRequested = false;
  /** The alarm as this instance knows it (null: none), read once at start. */
  private alarmAt: number | null | undefined;
  private readonly alarmKnown: Promise<unknown>;
  private indexing: Promise<void> | undefined;
  private indexAgain = false;
  /** How approval emails leave; tests swap in a recording one. */
  private mailer: Mailer;
  private readonly host: ExecutionHost = {
    begin: (call) => this.begin(call),
    finishStep: (key, attempt, outcome) => this.finishStep(key, attempt, outcome),
  };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage.sql);
    this.mailer = bindingMailer(env.EMAIL);
    this.alarmKnown = ctx.storage.getAlarm().then((at) => (this.alarmAt ??= at));
  }

  /** Creates the run (or returns the existing one for a repeated id) and starts it. */
  async start(request: StartRequest): Promise<StartResult> {
    const existing = this.store.run();
    if (existing) {
      const same = existing.workflow === request.workflow && sameJson(existing.input, request.input);
      return { created: false, run: this.store.summary(existing), ...(same ? {} : { conflict: true }) };
    }
    const entry = registry.entry(request.workflow);
    this.store.create({
      id: request.id,
      workflow: request.workflow,
      kind: entry?.kind ?? "workflow",
      input: request.input,
      idempotencyKey: request.idempotencyKey,
      origin: request.origin,
      parentId: request.parent?.id ?? null,
      parentKey: request.parent?.key ?? null,
      version: entry?.version ?? null,
      workerVersion: this.env.CF_VERSION_METADATA?.id ?? null,
      now: Date.now(),
    });
    this.ensureExecution();
    await this.settle();
    // A run is listed by the time its creation is answered.
    await this.indexCaughtUp();
    return { created: true, run: this.store.summary(this.requireRun()) };
  }

  /** The run with its steps as RunDetail JSON text (RPC cannot type its free-form JSON), or null when this object holds none. */
  async describe(): Promise<string | null> {
    if (!this.store.run()) return null;
    await this.indexCaughtUp();
    const run = this.requireRun();
    const detail = this.store.detail(run);
    for (const approval of detail.approvals) {
      Object.assign(approval, await approvalLinks(this.env, run, approval.key, Date.parse(approval.expiresAt)));
    }
    return JSON.stringify(detail);
  }

  /** What the approval page shows, or null when this run has no approval at `key`. */
  async approvalInfo(key: string): Promise<ApprovalInfo | null> {
    const run = this.store.run();
    const approval = run && this.store.approval(key);
    if (!run || !approval) return null;
    return {
      runId: run.id,
      workflow: run.workflow,
      runStatus: run.status,
      status: approval.status,
      to: approval.request.to,
      subject: approval.request.subject,
      message: approval.request.message,
      data: approval.request.data === undefined ? null : JSON.stringify(approval.request.data, null, 2),
      expiresAt: iso(approval.wakeAt),
      result: (approval.result as ApprovalResult | undefined) ?? null,
    };
  }


  /** The run's summary (status and times), or null when this object holds none. */
  async summary(): Promise<RunSummary | null> {
    if (!this.store.run()) return null;
    await this.indexCaughtUp();
    return this.store.summary(this.requireRun());
  }

  /** Ends the run as cancelled: open steps are abandoned and late reports ignored. */
  async cancel(): Promise<CancelResult> {
    const run = this.store.run();
    if (!run) return { status: "not_found" };
    if (isTerminal(run.status)) return { status: "not_active", run: this.store.summary(run) };
    this.dropExecution();
    this.endRun({ status: "cancelled" }, Date.now());
    this.outbox = [];
    this.toAcquire = [];
    await this.settle();
    return { status: "cancelled", run: this.store.summary(this.requireRun()) };
  }

  /**
   * What a consumer needs to run the given task attempts: which of them are still
   * wanted, and the log changes after its cursor `since` (0: the whole log and the
   * input). TaskContextData as JSON text, which RPC carries without walking its
   * recursive type; null when the run is over or unknown.
   */
  async openTasks(tasks: TaskRef[], since = 0): Promise<string | null> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return null;
    const steps = tasks.map(({ key }) => this.store.step(key));
    const wanted = tasks.map(({ attempt }, i) => isWanted(steps[i], attempt));
    // Nothing wanted: send no changes, and so no newer cursor, or the consumer's mirror would skip them.
    const any = wanted.includes(true);
    const scripts = tasks.map(({ key }, i) => (wanted[i] && steps[i]?.script ? (this.store.scriptCall(key) ?? null) : null));
    const context: TaskContextData = {
      workflow: run.workflow,
      log: any ? this.store.log(since) : [],
      cursor: any ? this.store.cursor() : since,
      wanted,
      version: registry.entry(run.workflow)?.version ?? null,
    };
    // Left out when no task is a script: it is on every task's path, and most tasks are not.
    if (scripts.some((script) => script !== null)) context.scripts = scripts;
    if (since === 0) {
      context.input = run.input;
      context.startedAt = run.createdAt;
    }
    return JSON.stringify(context);
  }

  /**
   * Which of these task attempts are still wanted. A consumer asks while their
   * closures run, and aborts the signal of those that are not (the run was
   * cancelled or ended, or the attempt timed out).
   */
  async stillWanted(tasks: TaskRef[]): Promise<boolean[]> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return tasks.map(() => false);
    return tasks.map(({ key, attempt }) => isWanted(this.store.step(key), attempt));
  }

  /**
   * A child run started by the flow step `key` ended. Accepted once; repeats, and
   * news for a run that has itself ended, are acknowledged and change nothing.
   */
  async childEnded(key: string, childId: string, end: RunOutcome): Promise<void> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return;
    const step = this.store.flowStep(key);
    if (!step || step.childId !== childId || step.status !== "running") return;
    const settled = this.store.settle(key, 1, childOutcome(end, childId, step.workflow), Date.now());
    if (!settled) return;
    this.applyOutcomes([settled]);
    await this.settle();
  }

  /** Accepts a consumer's report once per (key, attempt); duplicates and stale attempts are ignored. */
  async report(report: TaskReport): Promise<{ accepted: boolean }> {
    const [accepted = false] = await this.reportMany([report]);
    return { accepted };
  }

  /**
   * Accepts reports of several tasks of this run in one event (a consumer sends what
   * finished together); for each, whether it was accepted.
   */
  async reportMany(raw: TaskReport[]): Promise<boolean[]> {
    const reports = z.array(TaskReport).parse(raw);
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return reports.map(() => false);
    const now = Date.now();
    const outcomes: Settled[] = [];
    const accepted = reports.map((report) => {
      if (!isWanted(this.store.step(report.key), report.attempt)) return false;
      if (report.error) {
        // A retryable failure is parked for its retry; anything else settles the step.
        const final = this.failAttempt(report.key, report.attempt, report.error, now);
        if (final) outcomes.push(final);
        return true;
      }
      const value = report.result as Json | undefined;
      const settled = this.store.settle(report.key, report.attempt, { ok: true, value }, now);
      if (!settled) return false;
      outcomes.push(settled);
      this.cacheResult(report.key, value);
      this.releaseSlot(report.key);
      return true;
    });
    const failed = outcomes.find(({ outcome }) => !outcome.ok && isReplayFailure(outcome.error));
    if (failed && !failed.outcome.ok) {
      // The consumer could not replay the body to the task: never let the workflow catch that.
      this.finish(this.execution, { status: "failed", error: failed.outcome.error });
    } else if (outcomes.length > 0) {
      this.applyOutcomes(outcomes);
    }
    // Retries parked above need the alarm too, not only settled outcomes.
    if (accepted.includes(true)) await this.settle();
    return accepted;
  }

  /** Records a decision on the approval at `key`, once; the run resumes with it. */
  async decide(key: string, decision: Decision): Promise<DecideResult> {
    const run = this.store.run();
    if (!run) return { status: "run_not_found" };
    const approval = this.store.approval(key);
    if (!approval) return { status: "approval_not_found" };
    if (isTerminal(run.status) && approval.status !== "completed") return { status: "run_not_active", run: this.store.summary(run) };
    if (approval.status !== "waiting") {
      return { status: "already_decided", result: (approval.result as ApprovalResult | undefined) ?? null };
    }
    const result: ApprovalResult = {
      approved: decision.approved,
      decision: decision.approved ? "approved" : "rejected",
      decidedAt: new Date().toISOString(),
    };
    if (decision.by !== undefined) result.by = decision.by;
    if (decision.comment !== undefined) result.comment = decision.comment;
    const settled = this.store.settle(key, 1, { ok: true, value: { ...result } }, Date.now());
    if (settled) this.applyOutcomes([settled]);
    await this.settle();
    return { status: "decided", result };
  }

  /**
   * For tests: makes the earliest thing the run waits for due now (or the wait of step
   * `key`), so a sleep wakes, a retry starts, an approval times out or a child flow's
   * timeout passes, and runs the alarm at once; answers the keys made due once the
   * body has taken them in and what it started is recorded and sent. Reachable only
   * through the RUNS binding, never over HTTP.
   */
  async skipWait(key?: string): Promise<string[]> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return [];
    const keys = this.store.advanceWaits(Date.now(), key);
    if (keys.length > 0) {
      await this.alarm();
      await this.quiesce();
    }
    return keys;
  }

  /** Waits until the body is at rest and the flush after it is done. */
  private async quiesce(): Promise<void> {
    while (this.execution?.delivering || this.flushing) {
      await this.execution?.idle();
      await this.flushing;
    }
  }

  /** Wakes due sleeps, re-sends silent tasks, restarts after eviction, retries housekeeping. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const run = this.store.run();
    if (!run) return;
    if (!isTerminal(run.status)) {
      const now = Date.now();
      const outcomes: Settled[] = this.store.wakeSleeps(now);
      for (const key of this.store.expiredApprovals(now)) {
        const timedOut = this.store.settle(key, 1, { ok: true, value: { approved: false, decision: "timeout", decidedAt: new Date(now).toISOString() } }, now);
        if (timedOut) outcomes.push(timedOut);
      }
      for (const step of this.store.overdue(now)) {
        if (step.kind === "flow") {
          const flow = this.store.flowStep(step.key);
          const outcome: Outcome = {
            ok: false,
            error: toErrorData(new TaskTimeoutError(`child flow "${step.key}" (${flow?.workflow ?? "?"}) ran past its timeout; it was cancelled`)),
          };
          const settled = flow && this.store.settle(step.key, 1, outcome, now);
          if (flow && settled) {
            this.store.queueSignal({ kind: "cancel_child", target: flow.childId, body: {} }, now);
            outcomes.push(settled);
          }
          continue;
        }
        if (step.kind !== "task") {
          // A step still running in this instance is alive; one recorded by an evicted
          // instance is run again when the execution is rebuilt below.
          this.store.retry(step.key, step.attempts, now + this.stepDeadlineMs());
          continue;
        }
        // No report by the deadline: the message was lost, or the consumer crashed or hung.
        const { timeout } = this.store.taskOptions(step.key);
        const error = toErrorData(new TaskTimeoutError(`"${step.key}" attempt ${step.attempts} did not report within its ${timeout} s timeout`));
        const final = this.failAttempt(step.key, step.attempts, error, now);
        if (final) outcomes.push(final);
      }
      for (const { key, kind, attempts } of this.store.dueRetries(now)) {
        if (kind === "step") {
          this.store.resumeStep(key, now + this.stepDeadlineMs());
          // Warm: run it again here; cold: the rebuilt execution finds it running and does.
          this.execution?.rerunStep(key, attempts + 1);
          continue;
        }
        const options = this.store.taskOptions(key);
        this.store.startRetry(key, attempts + 1, now + options.timeout * 1000 + WATCHDOG_GRACE_MS);
        this.dispatch(key, attempts + 1, options, now);
      }
      // A queued attempt whose limiter never called back asks again (its lease may have been lost).
      for (const { key, attempts } of this.store.queuedOverdue(now)) this.dispatch(key, attempts, this.store.taskOptions(key), now);
      this.applyOutcomes(outcomes);
    }
    await this.settle();
  }

  // --- the execution

  /** Hands outcomes to the live execution, or rebuilds it from the log, which now holds them. */
  private applyOutcomes(outcomes: Settled[]): void {
    if (this.execution) {
      for (const settled of outcomes) this.execution.deliver(settled);
    } else {
      this.ensureExecution();
    }
  }

  /** Builds the execution by replaying the log, unless one is alive or the run is over. */
  private ensureExecution(): void {
    if (this.execution) return;
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return;
    const body = registry.body(run.workflow);
    if (!body) {
      this.endRun({ status: "failed", error: toErrorData(new WorkflowNotFoundError(`${run.kind} "${run.workflow}" is not deployed any more`)) }, Date.now());
      this.scheduleFlush();
      return;
    }
    if (run.status === "queued") this.store.setStatus("running", Date.now());
    const execution = new Execution(body, run.input, this.store.log(), this.host, { kind: "drive" }, {
      resolver: registry,
      codeChange: this.codeChange(run),
      seed: run.id,
      startedAt: run.createdAt,
    });
    this.execution = execution;
    void execution.ended.then((end) => this.finish(execution, end));
    execution.start();
    this.scheduleFlush();
  }

  private finish(execution: Execution | undefined, end: RunEnd): void {
    if (execution !== this.execution) return;
    this.dropExecution();
    this.endRun(end, Date.now());
    this.scheduleFlush();
  }

  /**
   * Records the run's end. Work still open (siblings of a failed parallel branch, or
   * everything, on cancel) is abandoned: tasks give back their slots, child runs are
   * cancelled, and a parent waiting on this run is told how it ended.
   */
  private endRun(end: RunOutcome, now: number): void {
    for (const key of this.store.openTasks()) this.releaseSlot(key);
    for (const { childId } of this.store.openChildren()) this.store.queueSignal({ kind: "cancel_child", target: childId, body: {} }, now);
    this.store.cancelOpen(now);
    this.store.end(end, now);
    const run = this.requireRun();
    if (run.parentId !== null && run.parentKey !== null) {
      this.store.queueSignal({ kind: "notify_parent", target: run.parentId, body: { key: run.parentKey, end } }, now);
    }
  }

  /** Told in a non-determinism error when the run started on other code than is deployed now. */
  private codeChange(run: RunRow): string | undefined {
    return codeChangeNote(run.workflow, run.version, registry.entry(run.workflow)?.version);
  }

  private dropExecution(): void {
    this.execution?.halt();
    this.execution = undefined;
  }

  private begin(call: NewCall): void {
    const now = Date.now();
    const deadline =
      call.kind === "task"
        ? now + (call.options?.timeout ?? DEFAULT_TASK_OPTIONS.timeout) * 1000 + WATCHDOG_GRACE_MS
        : call.kind === "step"
          ? now + this.stepDeadlineMs()
          : call.flow?.timeout !== undefined
            ? now + call.flow.timeout * 1000
            : null;
    if (call.flow) {
      // The child's id is recorded with the step, so replays and retried sends reach the same child.
      const childId = crypto.randomUUID();
      this.store.begin(call, now, deadline, childId);
      this.store.queueSignal({ kind: "start_child", target: childId, body: { workflow: call.flow.path, input: call.flow.input, parentKey: call.key } }, now);
      this.scheduleFlush();
      return;
    }
    this.store.begin(call, now, deadline);
    if (call.approval && call.approval.to.length > 0) this.store.queueEmails(call.key, call.approval.to, now + HOUSEKEEPING_RETRY_MS);
    if (call.kind === "task") this.dispatch(call.key, call.attempt, call.options ?? DEFAULT_TASK_OPTIONS, now);
    this.scheduleFlush();
  }

  /**
   * Sends a task attempt, or, when it has a concurrency limit, queues it for a slot
   * (asked for in the next flush). The step is already recorded as running.
   */
  private dispatch(key: string, attempt: number, options: ResolvedTaskOptions, now: number): void {
    const message = { runId: this.requireRun().id, key, attempt };
    if (options.concurrency === undefined) {
      this.outbox.push(message);
      return;
    }
    this.store.queueForSlot(key, attempt, now + this.leaseMs(options));
    this.toAcquire.push(message);
  }

  private leaseMs(options: ResolvedTaskOptions): number {
    return options.timeout * 1000 + WATCHDOG_GRACE_MS;
  }

  private limiter(concurrencyKey: string) {
    return this.env.CONCURRENCY.get(this.env.CONCURRENCY.idFromName(concurrencyKey));
  }

  /** Asks each queued attempt's limiter for a slot; granted ones go out with this flush. */
  private async acquireSlots(): Promise<void> {
    const requests = this.toAcquire.splice(0);
    await Promise.all(
      requests.map(async (message) => {
        const options = this.store.taskOptions(message.key);
        if (!options.concurrency) return;
        try {
          const answer = await this.limiter(options.concurrency.key).acquire({
            runId: message.runId,
            key: message.key,
            attempt: message.attempt,
            priority: options.priority ?? 0,
            limit: options.concurrency.limit,
            window: options.concurrency.window,
            leaseMs: this.leaseMs(options),
          });
          if (answer === "granted" && this.store.startFromQueue(message.key, message.attempt, Date.now() + this.leaseMs(options))) {
            this.outbox.push(message);
          }
        } catch (error) {
          // Stays queued; the alarm asks again at its recheck time.
          console.error(`baton: concurrency slot for ${message.key} not obtained: ${toErrorData(error).message}`);
        }
      }),
    );
  }

  /** Gives a task's concurrency slot back once its attempt is over; best effort (leases expire). */
  private releaseSlot(key: string): void {
    const options = this.store.taskOptions(key);
    if (!options.concurrency) return;
    const runId = this.requireRun().id;
    this.limiter(options.concurrency.key)
      .release(runId, key)
      .catch((error: unknown) => console.error(`baton: slot of ${key} not released (its lease will expire): ${toErrorData(error).message}`));
  }

  /** The limiter's call: a slot is free for this queued attempt. False if it no longer wants one. */
  async granted(key: string, attempt: number): Promise<boolean> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return false;
    const options = this.store.taskOptions(key);
    if (!this.store.startFromQueue(key, attempt, Date.now() + this.leaseMs(options))) return false;
    this.outbox.push({ runId: run.id, key, attempt });
    await this.settle();
    return true;
  }

  /** An inline step's attempt ended: settle it, or park a retryable failure for its retry. */
  private finishStep(key: string, attempt: number, outcome: Outcome): Settled | null {
    this.scheduleFlush();
    if (outcome.ok) return this.store.settle(key, attempt, outcome, Date.now());
    return this.failAttempt(key, attempt, outcome.error, Date.now());
  }

  // --- telling the outside world, after storage

  /**
   * Ends every event: the alarm is made to cover the run's open work before the event
   * returns (so a crash right after cannot strand the run), while queue sends and the
   * index update follow in the background as one flush.
   */
  private async settle(): Promise<void> {
    this.scheduleFlush();
    await this.syncAlarm();
  }

  /**
   * Runs one flush after the current burst of workflow code has gone quiet: every
   * outcome the event brought has been delivered and the body is at rest. So the
   * tasks a burst of outcomes starts go out as one queue batch, and a chain of inline
   * steps is flushed once, not once per step.
   */
  private scheduleFlush(): Promise<void> {
    this.flushRequested = true;
    this.flushing ??= (async () => {
      try {
        while (this.flushRequested) {
          this.flushRequested = false;
          await macrotask();
          await this.execution?.idle();
          await this.flush();
        }
      } catch (error) {
        // Whatever was not sent stays recorded with a deadline; the alarm picks it up.
        console.error(`baton: flush failed: ${toErrorData(error).message}`);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  private async flush(): Promise<void> {
    const run = this.store.run();
    if (!run) return;
    if (!isTerminal(run.status) && run.status !== "queued") this.store.setStatus(this.store.liveStatus(), Date.now());
    await this.acquireSlots();
    await this.sendOutbox();
    await this.sendSignals();
    await sendApprovalEmails(this.store, this.env, this.requireRun(), this.mailer);
    this.syncIndexInBackground();
    await this.syncAlarm();
  }


  private async sendOutbox(): Promise<void> {
    const batch = await this.withoutCacheHits(this.outbox.splice(0));
    if (batch.length === 0) return;
    // Each worker tag has its own queue; a tag nobody configured fails its task here.
    const queues = new Map<Queue<TaskMessage>, TaskMessage[]>();
    const unroutable: Settled[] = [];
    for (const message of batch) {
      const queue = queueFor(this.env, this.store.taskOptions(message.key).tag);
      if (typeof queue === "string") {
        const settled = this.store.settle(message.key, message.attempt, { ok: false, error: toErrorData(new WorkerTagError(queue)) }, Date.now());
        if (settled) unroutable.push(settled);
        continue;
      }
      queues.set(queue, [...(queues.get(queue) ?? []), message]);
    }
    if (unroutable.length > 0) this.applyOutcomes(unroutable);
    for (const [queue, messages] of queues) {
      try {
        for (let i = 0; i < messages.length; i += 100) {
          await queue.sendBatch(messages.slice(i, i + 100).map((body) => ({ body })));
        }
      } catch (error) {
        // The steps are recorded; pulling their deadline in makes the alarm try them again soon.
        console.error(`baton: queue send failed, retrying in ${HOUSEKEEPING_RETRY_MS} ms: ${toErrorData(error).message}`);
        this.store.setDeadline(messages.map((message) => message.key), Date.now() + HOUSEKEEPING_RETRY_MS);
      }
    }
  }

  /**
   * Delivers the signals to other runs that are due, oldest first. A signal waits
   * while an older one to the same run is undelivered, so a child is never asked to
   * cancel before it was started. Each is retried with back-off until delivered.
   */
  private async sendSignals(): Promise<void> {
    const run = this.requireRun();
    const now = Date.now();
    const byTarget = new Map<string, ReturnType<RunStore["pendingSignals"]>>();
    for (const signal of this.store.pendingSignals()) byTarget.set(signal.target, [...(byTarget.get(signal.target) ?? []), signal]);
    // Targets are independent (a fan-out of children starts together); one target's signals go in order.
    await Promise.all(
      [...byTarget.values()].map(async (signals) => {
        for (const signal of signals) {
          if (signal.dueAt > now) return;
          try {
            await this.deliver(run, signal);
            this.store.signalDelivered(signal.id);
          } catch (error) {
            const message = toErrorData(error).message;
            console.error(`baton: ${signal.kind} to run ${signal.target} failed, retrying: ${message}`);
            this.store.signalFailed(signal.id, message, Date.now() + Math.min(HOUSEKEEPING_RETRY_MS * 2 ** signal.tries, SIGNAL_MAX_BACKOFF_MS));
            return;
          }
        }
      }),
    );
  }

  private async deliver(run: RunRow, signal: Signal): Promise<void> {
    const stub = this.env.RUNS.get(this.env.RUNS.idFromName(signal.target));
    switch (signal.kind) {
      case "start_child":
        await stub.start({
          id: signal.target,
          workflow: signal.body.workflow,
          input: signal.body.input,
          idempotencyKey: null,
          origin: run.origin,
          parent: { id: run.id, key: signal.body.parentKey },
        });
        return;
      case "cancel_child":
        await stub.cancel();
        return;
      case "notify_parent":
        await stub.childEnded(signal.body.key, run.id, signal.body.end);
        return;
    }
  }

  /**
   * Settles the first attempts of tasks with `cacheTtl` whose result another run (or
   * this one) stored and has not expired; returns the messages still to send. A
   * cache that cannot be reached is a miss: the task simply runs.
   */
  private async withoutCacheHits(batch: TaskMessage[]): Promise<TaskMessage[]> {
    const run = this.requireRun();
    const now = Date.now();
    const hits: Settled[] = [];
    const keep = await Promise.all(
      batch.map(async (message) => {
        const options = message.attempt === 1 ? this.store.taskOptions(message.key) : undefined;
        if (options?.cacheTtl === undefined) return true;
        try {
          const cached = await this.cacheStub(run, message.key, options.cacheKey).lookup(now);
          const hit = cached && this.store.settleFromCache(message.key, message.attempt, cached.result, Date.now());
          if (!hit) return true;
          hits.push(hit);
          return false;
        } catch (error) {
          console.error(`baton: task cache lookup for ${message.key} failed, running the task: ${toErrorData(error).message}`);
          return true;
        }
      }),
    );
    if (hits.length > 0) this.applyOutcomes(hits);
    return batch.filter((_, i) => keep[i]);
  }

  /** Stores a task's fresh result for other runs when it has `cacheTtl`; best effort, in the background. */
  private cacheResult(key: string, result: Json | undefined): void {
    const options = this.store.taskOptions(key);
    if (options.cacheTtl === undefined) return;
    const run = this.requireRun();
    const entry = { result: encodeJson(result), runId: run.id, key, expiresAt: Date.now() + options.cacheTtl * 1000 };
    this.cacheStub(run, key, options.cacheKey)
      .store(entry)
      .catch((error: unknown) => console.error(`baton: could not cache the result of ${key}: ${toErrorData(error).message}`));
  }

  /** A script's results are shared by every workflow calling it; a task's by runs of its workflow. */
  private cacheStub(run: RunRow, key: string, cacheKey: unknown) {
    const script = this.store.scriptCall(key);
    const identity = script ? cacheIdentity(`script:${script.path}`, "", cacheKey) : cacheIdentity(run.workflow, this.store.stepName(key), cacheKey);
    return this.env.TASK_CACHE.get(this.env.TASK_CACHE.idFromName(identity));
  }

  /**
   * Tells the run index about status changes, one update in flight at a time and
   * always the latest revision. The index is never on the run's critical path: a
   * failed update is retried by the alarm, and reading the run retries a stale one.
   */
  private syncIndexInBackground(): void {
    const run = this.store.run();
    if (!run || run.indexedRevision >= run.revision) return;
    if (this.indexing) {
      this.indexAgain = true;
      return;
    }
    this.indexing = (async () => {
      do {
        this.indexAgain = false;
        await this.syncIndex();
      } while (this.indexAgain);
    })().finally(() => (this.indexing = undefined));
  }

  /**
   * Waits until the index holds the run's current status, so whoever has seen the
   * run (its creation, or a read) finds it listed that way too.
   */
  private async indexCaughtUp(): Promise<void> {
    this.syncIndexInBackground();
    await this.indexing;
  }

  private async syncIndex(): Promise<void> {
    const run = this.requireRun();
    if (run.indexedRevision >= run.revision) return;
    try {
      const index = this.env.RUN_INDEX.get(this.env.RUN_INDEX.idFromName("runs"));
      await index.upsert(this.store.summary(run), run.revision);
      this.store.markIndexed(run.revision, null);
    } catch (error) {
      console.error(`baton: run index update failed, retrying: ${toErrorData(error).message}`);
      this.store.markIndexed(null, Date.now() + HOUSEKEEPING_RETRY_MS);
      await this.syncAlarm();
    }
  }

  /**
   * Keeps the one alarm at or before the earliest thing the run waits for. While tasks
   * or steps are open it only ever moves earlier (a later deadline needs no write: an
   * early alarm just re-arms); a run that only sleeps gets it exactly at the wake time,
   * so nothing wakes it early; it exists while the run is active (unless only child
   * runs can move it on: they tell it when they end), and is deleted once the run
   * has ended and its index update and signals are through.
   */
  private async syncAlarm(): Promise<void> {
    await this.alarmKnown;
    const run = this.requireRun();
    const now = Date.now();
    const due: number[] = [];
    if (run.status === "queued") due.push(now);
    if (!isTerminal(run.status)) {
      // A run waiting only for its children needs no alarm: each child tells it when it ends.
      const next = this.store.nextDue();
      if (next !== null) due.push(next);
      else if (!this.store.waitsOnlyForChildren()) due.push(now + this.stepDeadlineMs());
      const email = this.store.nextEmailAt();
      if (email !== null) due.push(email);
    }
    if (run.indexedRevision < run.revision && run.indexRetryAt !== null) due.push(run.indexRetryAt);
    // Signals (a child's end to its parent, above all) outlive the run's end.
    const signal = this.store.nextSignalAt();
    if (signal !== null) due.push(signal);
    const next = due.length > 0 ? Math.min(...due) : null;
    // Decide and record synchronously: storage applies alarm writes in call order.
    if (next === null) {
      if (this.alarmAt === null) return;
      this.alarmAt = null;
      await this.ctx.storage.deleteAlarm();
    } else if (this.alarmAt === null || this.alarmAt === undefined || next < this.alarmAt || (next > this.alarmAt && this.onlySleeping(run))) {
      this.alarmAt = next;
      await this.ctx.storage.setAlarm(next);
    }
  }

  private onlySleeping(run: RunRow): boolean {
    return (run.status === "sleeping" || run.status === "waiting") && this.store.liveStatus() === run.status;
  }

  /**
   * When the alarm checks on an inline step: if this instance was evicted meanwhile,
   * rebuilding the execution runs the step again.
   */
  private stepDeadlineMs(): number {
    return DEFAULT_TASK_OPTIONS.timeout * 1000;
  }

  /**
   * A task attempt failed: parks it for a retry when its policy allows one and the
   * error is retryable, and answers null; otherwise settles the step as failed and
   * answers the outcome to hand to the workflow.
   */
  private failAttempt(key: string, attempt: number, error: ErrorData, now: number): Settled | null {
    this.releaseSlot(key);
    const { retries } = this.store.taskOptions(key);
    const delay = isRetryable(error) ? retryDelayMs(retries, attempt + 1) : null;
    if (delay !== null) {
      this.store.retryLater(key, attempt, now + delay, error, now);
      return null;
    }
    return this.store.settle(key, attempt, { ok: false, error }, now);
  }

  private requireRun(): RunRow {
    const run = this.store.run();
    if (!run) throw new Error("baton: run object used before its run was created");
    return run;
  }
}

/** True when `attempt` of this task is the one running: the only one whose report counts. */
function isWanted(step: { kind: string; status: string; attempts: number } | undefined, attempt: number): boolean {
  return step !== undefined && step.kind === "task" && step.status === "running" && step.attempts === attempt;
}

/** Equal as JSON values: key order does not matter. */
function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}
