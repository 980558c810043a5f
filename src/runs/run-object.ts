// One Durable Object per run. It hosts the run's execution (kept alive in memory
// between events, rebuilt by replay after eviction) and its run state machine over
// SQLite; every event follows the same order: the machine's transition is stored,
// outcomes go to the body, and what the transition started (tasks, emails, child
// runs) goes out after storage, with the one alarm covering whatever the run waits for.

import { DurableObject } from "cloudflare:workers";
import { StepLimitError, WorkflowNotFoundError, type ApprovalResult } from "baton-workflows";
import {
  canonicalJson,
  codeChangeNote,
  DEFAULT_TASK_OPTIONS,
  encodeJson,
  heartbeatTimeoutMs,
  Execution,
  housekeepingBackoffMs,
  isReplayFailure,
  isTerminal,
  LIVENESS_MS,
  macrotask,
  RunMachine,
  toErrorData,
  type Decision,
  type ExecutionHost,
  type Json,
  type NewCall,
  type Outcome,
  type RunEffect,
  type RunEnd,
  type RunOutcome,
  type Settled,
} from "baton-workflows/engine";
import { approvalLinks, sendApprovalEmails } from "../approvals/approval-mail.ts";
import { bindingMailer, type Mailer } from "../approvals/mailer.ts";
import type { Env } from "../env.ts";
import { IndexSync } from "../index/index-sync.ts";
import { registry } from "../registry.ts";
import { legacySummary, writeLegacyRun } from "../testing/legacy-runs.ts";
import { RunControl, type CutPoint, type Faults } from "../testing/run-control.ts";
import { TaskDispatch } from "../tasks/dispatch.ts";
import { TaskReports, type TaskReport } from "../tasks/messages.ts";
import type { ApprovalInfo, CancelResult, DecideResult, RemoveResult, RestartRequest, RestartResult, SendEventResult, StartRequest, StartResult, TaskContextData, TaskRef } from "./run-api.ts";
import { RunStore, type RunRow } from "./run-store.ts";
import { iso, type RunSummary } from "./run-view.ts";
import { detailOf, stepDetailOf, stepPageOf, summaryOf, windowOf } from "./run-views.ts";
import { legacyShard, unlist } from "../index/run-list.ts";
import { LOG_PAGE_BYTES, MAX_RUN_LOG_BYTES, MAX_RUN_STEPS, STEPS_PAGE_SIZE } from "./limits.ts";
import { expiryOf, retentionMs, RunAlarm } from "./alarm.ts";
import { restartPlan } from "./restart.ts";
import { sendSignals } from "./signals.ts";

export type { ApprovalInfo, CancelResult, DecideResult, Decision, StartRequest, StartResult, TaskContextData, TaskRef } from "./run-api.ts";

export class RunObject extends DurableObject<Env> {
  // Not readonly: erasing the run (delete, retention) opens fresh ones over the emptied storage.
  private store!: RunStore;
  private machine!: RunMachine;
  private tasks!: TaskDispatch;
  private index!: IndexSync;
  private execution: Execution | undefined;
  private flushing: Promise<void> | undefined;
  /** The limit the run outgrew, set when it did; the next flush ends the run with it. */
  private overLimit: StepLimitError | undefined;
  private flushRequested = false;
  private alarms!: RunAlarm;
  /** Faults a test injects through the control surface; empty otherwise. */
  private readonly faults: Faults = {};
  private mailer: Mailer;
  private readonly host: ExecutionHost = {
    begin: (call) => this.begin(call),
    finishStep: (key, attempt, outcome) => this.finishStep(key, attempt, outcome),
  };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.mailer = bindingMailer(env.EMAIL);
    this.alarms = new RunAlarm(ctx.storage, null);
    // Known before the first event, so every write can cover the alarm in the same commit.
    void ctx.blockConcurrencyWhile(async () => {
      this.alarms = new RunAlarm(ctx.storage, await ctx.storage.getAlarm());
    });
    this.open();
  }

  /** Reads the run's storage afresh: at start, and after erasing it. */
  private open(): void {
    const { ctx, env } = this;
    // A run object a test cut off writes nothing more, as a crashed one could not.
    this.store = new RunStore(ctx.storage.sql, (at) => this.faults.cutOff !== "stopped" && this.alarms.cover(at));
    this.machine = new RunMachine(this.store.steps);
    this.tasks = new TaskDispatch({
      env,
      machine: this.machine,
      run: () => this.requireRun(),
      settled: (outcomes) => this.deliver(outcomes),
      lose: (messages) => {
        const lost = Math.min(this.faults.loseTaskMessages ?? 0, messages.length);
        this.faults.loseTaskMessages = (this.faults.loseTaskMessages ?? 0) - lost;
        return messages.slice(lost);
      },
    });
    this.index = new IndexSync(this.store, env, () => this.syncAlarm());
  }

  /** Creates the run (or returns the existing one for a repeated id) and starts it. */
  async start(request: StartRequest): Promise<StartResult> {
    const existing = this.store.run();
    if (existing) {
      // A start cut off by a crash may have created the run before listing it: the retry lists it.
      await this.index.caughtUp();
      const same = existing.workflow === request.workflow && canonicalJson(existing.input ?? null) === canonicalJson(request.input ?? null);
      return { created: false, run: summaryOf(this.store, existing), ...(same ? {} : { conflict: true }) };
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
      restartOf: request.restart?.of ?? null,
      version: entry?.version ?? null,
      workerVersion: this.env.CF_VERSION_METADATA?.id ?? null,
      now: Date.now(),
    });
    if (request.restart) {
      for (const step of request.restart.steps) this.store.steps.insert(step);
      this.store.steps.copyAttempts(request.restart.attempts);
      // Read afresh: the tables' cached counters must see the steps just copied in.
      this.open();
    }
    this.ensureExecution();
    this.afterEvent();
    // A run is listed by the time its creation is answered.
    await this.index.caughtUp();
    return { created: true, run: summaryOf(this.store, this.requireRun()) };
  }

  /** The run with its steps as RunDetail JSON text (RPC cannot type its free-form JSON), or null when this object holds none. */
  async describe(): Promise<string | null> {
    if (!this.store.run()) return null;
    await this.index.caughtUp();
    const run = this.requireRun();
    const detail = detailOf(this.store, run);
    for (const approval of detail.approvals) Object.assign(approval, await approvalLinks(this.env, run, approval.key, Date.parse(approval.expiresAt)));
    return JSON.stringify(detail);
  }

  /** `limit` of the run's steps from place `offset`, as StepPage JSON text; null when this object holds no run. */
  async steps(offset: number, limit: number): Promise<string | null> {
    return this.store.run() ? JSON.stringify(stepPageOf(this.store, offset, Math.min(limit, STEPS_PAGE_SIZE))) : null;
  }

  /** The run and `limit` of its steps from `offset`, with their outputs and logs, as RunWindow JSON text; null when this object holds no run. */
  async window(offset: number, limit: number): Promise<string | null> {
    const run = this.store.run();
    return run ? JSON.stringify(windowOf(this.store, run, offset, limit)) : null;
  }

  /** One step with its output, attempts and logs as StepDetail JSON text; "no_run" or "no_step" when there is none. */
  async stepDetail(key: string): Promise<string | "no_run" | "no_step"> {
    const run = this.store.run();
    if (!run) return "no_run";
    const detail = stepDetailOf(this.store, key);
    return detail ? JSON.stringify(detail) : "no_step";
  }

  /** What the approval page shows, or null when this run has no approval at `key`. */
  async approvalInfo(key: string): Promise<ApprovalInfo | null> {
    const run = this.store.run();
    const step = run && this.machine.step(key);
    if (!run || !step?.approval) return null;
    return {
      runId: run.id,
      incarnation: run.incarnation,
      workflow: run.workflow,
      runStatus: run.status,
      status: step.status,
      to: step.approval.to,
      subject: step.approval.subject,
      message: step.approval.message,
      data: step.approval.data === undefined ? null : JSON.stringify(step.approval.data, null, 2),
      expiresAt: iso(step.wakeAt ?? step.startedAt),
      result: (step.result as ApprovalResult | undefined) ?? null,
    };
  }

  /** The run's summary (status and times), or null when this object holds none. */
  async summary(): Promise<RunSummary | null> {
    if (!this.store.run()) return null;
    await this.index.caughtUp();
    return summaryOf(this.store, this.requireRun());
  }

  /** Ends the run as cancelled: open steps are abandoned and late reports ignored. */
  async cancel(): Promise<CancelResult> {
    const run = this.store.run();
    if (!run) return { status: "not_found" };
    if (isTerminal(run.status)) return { status: "not_active", run: summaryOf(this.store, run) };
    this.dropExecution();
    this.endRun({ status: "cancelled" }, Date.now());
    this.tasks.clear();
    this.afterEvent();
    return { status: "cancelled", run: summaryOf(this.store, this.requireRun()) };
  }

  /**
   * What a consumer needs to run the given task attempts: which of them are still
   * wanted, and the log changes after its cursor `since` (0: the whole log and the
   * input). TaskContextData as JSON text, which RPC carries without walking its
   * recursive type; null when the run is over or unknown.
   */
  async taskContext(tasks: TaskRef[], since = 0): Promise<string | null> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return null;
    const now = Date.now();
    // Claimed here, atomically: of two deliveries of one attempt, only the first consumer gets it.
    // A consumer that names no claimant (older code) sends no heartbeats: only the timeout bounds its claim.
    const claimed = tasks.map(({ key, attempt, claimant }) => this.machine.claimed(key, attempt, claimant ?? `unnamed:${crypto.randomUUID()}`, now, claimant !== undefined));
    const wanted = claimed.map((step) => step !== undefined);
    // Nothing wanted: send no changes, and so no newer cursor, or the consumer's mirror would skip them.
    const any = wanted.includes(true);
    // A page of the log: the rest, if any, through logPage, so no answer outgrows an RPC.
    const page = any ? this.store.steps.logPage(since, LOG_PAGE_BYTES) : { log: [], cursor: since, more: false };
    const context: TaskContextData = {
      workflow: run.workflow,
      log: page.log,
      cursor: page.cursor,
      wanted,
      version: registry.entry(run.workflow)?.version ?? null,
    };
    if (page.more) context.more = true;
    const scripts = claimed.map((step) => (step?.script ? { ...step.script, timeout: (step.options ?? DEFAULT_TASK_OPTIONS).timeout } : null));
    // Left out when no task is a script: it is on every task's path, and most tasks are not.
    if (scripts.some((script) => script !== null)) context.scripts = scripts;
    const heartbeats = claimed.flatMap((step) => (step ? [heartbeatTimeoutMs(step.options ?? DEFAULT_TASK_OPTIONS)] : []));
    if (heartbeats.length > 0) context.heartbeatMs = Math.min(...heartbeats);
    if (since === 0) {
      context.input = run.input;
      context.startedAt = run.createdAt;
    }
    return JSON.stringify(context);
  }

  /** The log entries changed after `since`, a page at a time: `{log, cursor, more}` as JSON text (null when the run ended). */
  async logPage(since: number): Promise<string | null> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return null;
    return JSON.stringify(this.store.steps.logPage(since, LOG_PAGE_BYTES));
  }

  /**
   * A consumer's heartbeat for the attempts it runs: whether each is still wanted from
   * it (a consumer aborts the signal of those that are not). Keeps their claims alive.
   */
  async stillWanted(tasks: TaskRef[]): Promise<boolean[]> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return tasks.map(() => false);
    const now = Date.now();
    return tasks.map(({ key, attempt, claimant }) => (claimant === undefined ? this.machine.isWanted(key, attempt) : this.machine.heartbeat(key, attempt, claimant, now)));
  }

  /** A consumer gives back attempts it claimed but will not run (it runs other code); each is sent again after `holdMs` unless another consumer takes it. */
  async release(tasks: TaskRef[], holdMs: number): Promise<void> {
    const now = Date.now();
    for (const { key, attempt, claimant } of tasks) if (claimant !== undefined) this.machine.release(key, attempt, claimant, now + holdMs);
    this.afterEvent();
  }

  /** A child run started by the flow step `key` ended; accepted once, repeats and strangers change nothing. */
  async childEnded(key: string, childId: string, end: RunOutcome): Promise<void> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return;
    const settled = this.machine.childEnded(key, childId, end, Date.now());
    if (!settled) return;
    this.deliver([settled]);
    this.afterEvent();
  }

  /** Accepts a consumer's report once per (key, attempt); duplicates and stale attempts are ignored. */
  async report(report: TaskReport): Promise<{ accepted: boolean }> {
    const [accepted = false] = await this.reportMany([report]);
    return { accepted };
  }

  /** Accepts reports of several tasks of this run in one event; for each, whether it was accepted. */
  async reportMany(raw: TaskReport[]): Promise<boolean[]> {
    const reports = TaskReports.parse(raw);
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return reports.map(() => false);
    const now = Date.now();
    const outcomes: Settled[] = [];
    const accepted = reports.map((report) => {
      const printed = { ...(report.logs ? { logs: report.logs } : {}), ...(report.ranAt !== undefined ? { ranAt: report.ranAt } : {}) };
      const outcome: Outcome = report.error ? { ok: false, error: report.error, ...printed } : { ok: true, value: report.result as Json | undefined, ...printed };
      const { accepted, settled, effects, step } = this.machine.report(report.key, report.attempt, outcome, now);
      this.apply(effects, now);
      if (settled) outcomes.push(settled);
      if (accepted && outcome.ok && step) this.tasks.cacheResult(step, outcome.value);
      return accepted;
    });
    const failed = outcomes.find(({ outcome }) => !outcome.ok && isReplayFailure(outcome.error));
    // The consumer could not replay the body to the task: never let the workflow catch that.
    if (failed && !failed.outcome.ok) this.finish(this.execution, { status: "failed", error: failed.outcome.error });
    else this.deliver(outcomes);
    // Retries parked above need the alarm too, not only settled outcomes.
    if (accepted.includes(true)) this.afterEvent();
    return accepted;
  }

  /**
   * Records a decision on the approval at `key`, once; the run resumes with it. A link's
   * decision names the incarnation it was issued for: another run under the same id has none of its approvals.
   */
  async decide(key: string, decision: Decision, incarnation?: string | null): Promise<DecideResult> {
    const run = this.store.run();
    if (!run) return { status: "run_not_found" };
    if (incarnation !== undefined && incarnation !== run.incarnation) return { status: "approval_not_found" };
    const step = this.machine.step(key);
    if (!step || step.kind !== "approval") return { status: "approval_not_found" };
    if (isTerminal(run.status) && step.status !== "completed") return { status: "run_not_active", run: summaryOf(this.store, run) };
    const decided = this.machine.decide(key, decision, Date.now());
    if (decided.status !== "decided") return decided;
    this.deliver([decided.settled]);
    this.afterEvent();
    return { status: "decided", result: decided.result };
  }

  /**
   * An event sent to the run: settles the oldest wait for it, or is kept for the first
   * that comes, within the inbox's bounds. With `once` (its Idempotency-Key and the
   * request's fingerprint), a repeat gets the first answer and delivers nothing.
   */
  async sendEvent(name: string, payload: Json | undefined, once?: { key: string; fingerprint: string }): Promise<SendEventResult> {
    const run = this.store.run();
    if (!run) return { status: "run_not_found" };
    const first = once && this.store.inbox.sent(once.key);
    if (first) return first.fingerprint === once.fingerprint ? { status: "accepted", deliveredTo: first.deliveredTo, repeated: true } : { status: "idempotency_conflict" };
    if (isTerminal(run.status)) return { status: "run_not_active", run: summaryOf(this.store, run) };
    const now = Date.now();
    if (!this.store.steps.waitingForEvent(name)) {
      const size = encodeJson(payload)?.length ?? 0;
      const refusal = this.store.inbox.refusal(size, now) ?? this.overRunLimit(size, now);
      if (refusal) return { status: "inbox_full", message: refusal };
    }
    const sent = this.machine.sendEvent(name, payload, now);
    if (once) this.store.inbox.remember(once.key, { fingerprint: once.fingerprint, deliveredTo: sent.deliveredTo }, now);
    if (sent.settled) this.deliver([sent.settled]);
    this.afterEvent();
    return { status: "accepted", deliveredTo: sent.deliveredTo };
  }

  /** Why keeping `extra` more bytes would pass what one run may hold (kept events count), or null. */
  private overRunLimit(extra: number, now: number): string | null {
    const held = this.heldBytes(now);
    const max = this.faults.limits?.logBytes ?? MAX_RUN_LOG_BYTES;
    return held + extra > max ? `the run holds ${held} bytes of results and kept events; this event (${extra} bytes) would pass the ${max}-byte limit per run` : null;
  }

  /** Bytes the run holds: step results and errors, and events kept for a wait. */
  private heldBytes(now: number): number {
    return this.store.steps.logBytes() + this.store.inbox.bytes(now);
  }

  /**
   * Starts a new run of this ended run's workflow with its input, keeping the steps
   * that completed before `fromStep` (see restartPlan); the rest runs on the current code.
   */
  async restart(request: RestartRequest): Promise<RestartResult> {
    const run = this.store.run();
    if (!run) return { status: "run_not_found" };
    if (!isTerminal(run.status)) return { status: "run_not_active", run: summaryOf(this.store, run) };
    const plan = restartPlan(this.store.steps.all(), request.fromStep);
    if (plan === "no_step") return { status: "step_not_found" };
    const keys = plan.kept.map((step) => step.key);
    const started = await this.env.RUNS.get(this.env.RUNS.idFromName(request.id)).start({
      id: request.id,
      workflow: run.workflow,
      input: run.input,
      idempotencyKey: request.idempotencyKey,
      origin: request.origin,
      restart: { of: run.id, steps: plan.kept, attempts: this.store.steps.attemptsOf(keys) },
    });
    return { status: "restarted", created: started.created, run: started.run, fromStep: plan.from?.key ?? null, ...(started.conflict ? { conflict: true } : {}) };
  }

  /**
   * Deletes an ended run: its list entry, then everything it stored. Refused while the
   * run is active, or while it still owes another run or the list a message.
   */
  async remove(): Promise<RemoveResult> {
    const run = this.store.run();
    if (!run) return { status: "run_not_found" };
    if (!isTerminal(run.status)) return { status: "run_not_active", run: summaryOf(this.store, run) };
    await this.index.caughtUp();
    if (!this.erasable()) return { status: "busy" };
    await this.erase();
    return { status: "removed" };
  }

  /** The limiter's call: a slot is free for this queued attempt. False if it no longer wants one. */
  async granted(key: string, attempt: number): Promise<boolean> {
    const run = this.store.run();
    if (!run || isTerminal(run.status) || !this.tasks.granted(key, attempt)) return false;
    this.afterEvent();
    return true;
  }

  /** The test-only control surface (waits made due, lost messages, failing deliveries); never reachable over HTTP. */
  control(): RunControl {
    return new RunControl({
      faults: this.faults,
      hasten: async (key) => {
        const run = this.store.run();
        if (!run || isTerminal(run.status)) return [];
        const keys = this.machine.hasten(Date.now(), key);
        if (keys.length > 0) {
          await this.alarm();
          await this.quiesce();
        }
        return keys;
      },
      emailsDueNow: async () => {
        this.store.emails.hasten(Date.now());
        await this.alarm();
        await this.quiesce();
      },
      ageKeptEvents: (ms) => this.store.inbox.age(ms),
      elapse: async (ms) => {
        const run = this.store.run();
        if (!run) return;
        const now = Date.now();
        this.store.steps.bringForward(now + ms, now);
        this.store.emails.bringForward(now + ms, now);
        this.store.signals.bringForward(now + ms, now);
        await this.alarm();
        await this.quiesce();
      },
      signalsDueNow: async () => {
        this.store.signals.hasten(Date.now());
        await this.alarm();
        await this.quiesce();
      },
      retentionPassed: async () => {
        const run = this.store.run();
        const keep = retentionMs(this.env);
        if (!run || !isTerminal(run.status) || keep === null) return false;
        this.store.backdateEnd(Date.now() - keep - 1);
        await this.alarm();
        return this.store.run() === undefined;
      },
      useMailer: (mailer) => (this.mailer = mailer),
      writeLegacyRun: async (run) => {
        if (this.store.run()) throw new Error("this object holds a run already");
        writeLegacyRun(this.ctx.storage.sql, run);
        // Listed as that release listed it: in the one list it had.
        await legacyShard(this.env).upsert(legacySummary(run), 1);
        this.alarms.cover(Date.now());
      },
    });
  }

  /** Wakes due sleeps, times out approvals and flows, re-sends silent tasks, starts retries, restarts after eviction. */
  override async alarm(): Promise<void> {
    this.alarms.fired();
    const run = this.store.run();
    if (!run) return;
    const keep = retentionMs(this.env);
    if (isTerminal(run.status) && keep !== null && Date.now() >= run.updatedAt + keep && this.erasable()) {
      await this.erase();
      return;
    }
    if (!isTerminal(run.status)) {
      const now = Date.now();
      const { settled, effects } = this.machine.due(now);
      this.apply(effects, now);
      this.deliver(settled);
      // Evicted meanwhile: the rebuilt execution finds due inline steps running and runs them.
      this.ensureExecution();
    }
    this.afterEvent();
  }

  // --- the execution

  /** Hands outcomes to the live execution, or rebuilds it from the log, which now holds them. */
  private deliver(outcomes: Settled[]): void {
    if (outcomes.length === 0) return;
    // The body runs on from here until it records its next call: a crash meanwhile costs at most the liveness window.
    this.alarms.cover(Date.now() + LIVENESS_MS);
    if (this.execution) for (const settled of outcomes) this.execution.deliver(settled);
    else this.ensureExecution();
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
    const execution = new Execution(body, run.input, this.store.steps.log(), this.host, { kind: "drive" }, {
      resolver: registry,
      codeChange: codeChangeNote(run.workflow, run.version, registry.entry(run.workflow)?.version),
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

  /** Records the run's end: open work is abandoned, child runs cancelled, and a waiting parent told. */
  private endRun(end: RunOutcome, now: number): void {
    this.apply(this.machine.end(now), now);
    this.store.end(end, now);
    // No wait can take a kept event any more.
    this.store.inbox.expire(now, true);
    const run = this.requireRun();
    if (run.parentId !== null && run.parentKey !== null) {
      this.store.signals.queue({ kind: "notify_parent", target: run.parentId, body: { key: run.parentKey, end } }, now);
    }
  }

  private dropExecution(): void {
    this.execution?.halt();
    this.execution = undefined;
  }

  private begin(call: NewCall): void {
    // One step too many: not recorded; the flush after this burst ends the run.
    const maxSteps = this.faults.limits?.steps ?? MAX_RUN_STEPS;
    // The step count is kept in memory; the step is read only at the limit, where a call already recorded (a retried inline step) adds none.
    if (this.overLimit === undefined && this.store.steps.count() >= maxSteps && !this.machine.step(call.key)) {
      this.overLimit = new StepLimitError(`the run recorded ${maxSteps} steps, the most one run may hold; split the work into child runs (taskFlow) or fewer, larger steps`);
    }
    if (this.overLimit !== undefined) return;
    const now = Date.now();
    this.apply(this.machine.begin(call, now, () => crypto.randomUUID()), now);
    this.scheduleFlush();
  }

  private finishStep(key: string, attempt: number, outcome: Outcome): Settled | null {
    this.scheduleFlush();
    return this.machine.finishStep(key, attempt, outcome, Date.now());
  }

  /** Starts what a transition asked for; all of it goes out with the next flush. */
  private apply(effects: RunEffect[], now: number): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case "dispatch":
          this.tasks.dispatch(effect.key, effect.attempt, effect.options, now);
          break;
        case "rerun-step":
          // Cold, the rebuilt execution finds the step running and runs it.
          this.execution?.rerunStep(effect.key, effect.attempt);
          break;
        case "ask":
          if (effect.request.to.length > 0) this.store.emails.queue(effect.key, effect.request.to, now + housekeepingBackoffMs(1));
          break;
        case "start-child":
          this.store.signals.queue({ kind: "start_child", target: effect.childId, body: { workflow: effect.workflow, input: effect.input, parentKey: effect.key } }, now);
          break;
        case "cancel-child":
          this.store.signals.queue({ kind: "cancel_child", target: effect.childId, body: {} }, now);
          break;
        case "release-slot":
          this.tasks.release(effect.key, effect.options);
          break;
        case "deliver":
          this.deliver([effect.settled]);
          break;
      }
    }
  }

  // --- telling the outside world, after storage

  /** Ends every event: the alarm covers the run before it returns; sends and the index follow in the background. */
  private afterEvent(): void {
    this.reached("transition");
    this.scheduleFlush();
    this.syncAlarm();
  }

  /**
   * A test's cut-off: at `point` the object stops as a crash would. Nothing after the
   * point runs (the event unwinds, the body halts); what was stored before it stays
   * (the abort waits a turn, so the commit of those writes goes through); then the
   * instance is reset and its memory is gone.
   */
  private reached(point: CutPoint): void {
    if (this.faults.cutOff !== point && this.faults.cutOff !== "stopped") return;
    this.faults.cutOff = "stopped";
    this.dropExecution();
    setTimeout(() => this.ctx.abort(`cut off at "${point}" (test fault)`), 0);
    throw new Error(`baton: cut off at "${point}" (test fault)`);
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
    this.reached("recorded");
    const before = this.store.run();
    if (before && !isTerminal(before.status)) this.enforceLimits();
    // Read again: enforcing a limit may have ended the run.
    const run = this.store.run();
    if (!run) return;
    if (!isTerminal(run.status) && run.status !== "queued") this.store.setStatus(this.machine.liveStatus(), Date.now());
    await this.tasks.flush();
    this.reached("sent");
    await sendSignals(this.store, this.env, this.requireRun(), this.faults.signal);
    await sendApprovalEmails(this.store, this.env, this.requireRun(), this.mailer);
    this.index.inBackground();
    this.syncAlarm();
  }

  /** Ends the run, failed with StepLimitError, once it holds more than one run may. */
  private enforceLimits(): void {
    const bytes = this.heldBytes(Date.now());
    const maxBytes = this.faults.limits?.logBytes ?? MAX_RUN_LOG_BYTES;
    if (this.overLimit === undefined && bytes > maxBytes) {
      this.overLimit = new StepLimitError(
        `the run holds ${bytes} bytes of step results, over the ${maxBytes}-byte limit per run; store large data elsewhere (R2, KV) and return a reference`,
      );
    }
    if (this.overLimit !== undefined) this.finish(this.execution, { status: "failed", error: toErrorData(this.overLimit) });
  }

  /** Waits until the body is at rest and the flush after it is done. */
  private async quiesce(): Promise<void> {
    while (this.execution?.delivering || this.flushing) {
      await this.execution?.idle();
      await this.flushing;
    }
  }

  /** Keeps the one alarm at or before the earliest thing the run waits for (see RunAlarm). */
  private syncAlarm(): void {
    // An index update may end after the run was erased: there is nothing left to cover.
    const run = this.store.run();
    if (!run || this.faults.cutOff === "stopped") return;
    const active = !isTerminal(run.status);
    const now = Date.now();
    this.alarms.sync({
      now,
      queued: run.status === "queued",
      next: active ? this.machine.nextDue() : null,
      waitsOnlyForChildren: active && this.machine.waitsOnlyForChildren(),
      active,
      email: active ? this.store.emails.nextAt() : null,
      // An update in flight is looked at again within the liveness window: a crash must not leave the list behind.
      indexRetry: run.indexedRevision < run.revision ? (run.indexRetryAt ?? run.updatedAt + LIVENESS_MS) : null,
      signal: this.store.signals.nextAt(),
      expire: isTerminal(run.status) ? expiryOf(run.updatedAt, retentionMs(this.env)) : null,
      onlySleeping: (run.status === "sleeping" || run.status === "waiting") && this.machine.liveStatus() === run.status,
    });
  }

  /** True when the run owes nobody a message: its signals are sent and the list holds its last status. */
  private erasable(): boolean {
    const run = this.store.run();
    return !!run && this.store.signals.nextAt() === null && run.indexedRevision >= run.revision;
  }

  /** Removes the run from the list, then empties this object's storage; the object then holds no run. */
  private async erase(): Promise<void> {
    const run = this.requireRun();
    await unlist(this.env, run.id, run.createdAt);
    this.dropExecution();
    this.alarms.clear();
    await this.ctx.storage.deleteAll();
    this.open();
  }

  private requireRun(): RunRow {
    const run = this.store.run();
    if (!run) throw new Error("baton: run object used before its run was created");
    return run;
  }
}
