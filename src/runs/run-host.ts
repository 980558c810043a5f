// The run object's machinery, beneath its RPC surface (run-object.ts): the run's
// storage, state machine and dispatcher, the live execution it hosts (rebuilt by replay
// after an eviction), the effects a transition starts, the flush that sends them after
// storage, and the one alarm. Every event ends with afterEvent(): the alarm covers the
// run, and the flush runs once the body is at rest.

import { DurableObject } from "cloudflare:workers";
import { StepLimitError, WorkflowNotFoundError } from "baton-workflows";
import {
  codeChangeNote,
  Execution,
  housekeepingBackoffMs,
  isTerminal,
  LIVENESS_MS,
  macrotask,
  RunMachine,
  toErrorData,
  type ExecutionHost,
  type NewCall,
  type Outcome,
  type RunEffect,
  type RunOutcome,
  type Settled,
} from "baton-workflows/engine";
import { announceApprovalInDev, sendApprovalEmails } from "../approvals/approval-mail.ts";
import { bindingMailer, type Mailer } from "../approvals/mailer.ts";
import type { Env } from "../env.ts";
import { IndexSync } from "../run-list/index-sync.ts";
import { unlist } from "../run-list/run-list.ts";
import { registry } from "../registry.ts";
import { TaskDispatch } from "../tasks/dispatch.ts";
import { alarmNeedsOf, RunAlarm } from "./alarm.ts";
import { isPending } from "./pending-start.ts";
import type { CutPoint, Faults } from "./faults.ts";
import { MAX_RUN_STEPS } from "./limits.ts";
import { byteLimitError, byteLimitProblem } from "./byte-limits.ts";
import { RunStore, type RunRow } from "./run-store.ts";
import { sendSignals } from "./signals.ts";
import { runFacts } from "./run-messages.ts";
import { chainIdOf, queueSuccessor, successorIdOf } from "./continue-as-new.ts";
import { eventUrlFor } from "../event-urls/event-url-token.ts";
import { RunStreams } from "./run-streams.ts";
import { remoteCatalog, remoteScriptBody, withRemote, type RemoteCatalog } from "../remote/remote-catalog.ts";
import { attemptTraceparent, RunTracer } from "../telemetry/run-tracer.ts";
import { heldPayloadBytes, keepLargeEnd, keepLargeOutcome, payloadStoreOf, whenKept } from "../payloads/kept-outcomes.ts";

/** A run's Durable Object, without its RPC methods: what every event of it goes through. */
export abstract class RunHost extends DurableObject<Env> {
  // Not readonly: erasing the run (delete, retention) opens fresh ones over the emptied storage.
  protected store!: RunStore;
  protected machine!: RunMachine;
  protected tasks!: TaskDispatch;
  protected index!: IndexSync;
  protected tracer!: RunTracer;
  protected execution: Execution | undefined;
  protected flushing: Promise<void> | undefined;
  /** The limit the run outgrew, set when it did; the next flush ends the run with it. */
  protected overLimit: StepLimitError | undefined;
  protected flushRequested = false;
  protected alarms!: RunAlarm;
  /** Faults a test injects through the control surface; empty otherwise. */
  protected readonly faults: Faults = {};
  protected mailer: Mailer;
  /** What workers you run serve, as last read: TypeScript bodies may call their scripts and flows. */
  protected remote: RemoteCatalog = new Map();
  /** Live readers of the run's events (hibernatable WebSockets). */
  protected readonly streams: RunStreams;
  protected readonly payloads = payloadStoreOf(this.env); // null without a BATON_PAYLOADS bucket: values stay within 1 MiB
  protected readonly host: ExecutionHost = {
    begin: (call) => this.begin(call),
    finishStep: (key, attempt, outcome) => this.finishStep(key, attempt, outcome),
    cancelStep: (key) => this.cancelStep(key),
    attemptTraceparent: (key, attempt) => attemptTraceparent(this.env, this.store.run(), key, attempt),
    eventUrl: (request) => eventUrlFor(this.env, this.requireRun(), request),
    keepLarge: (key, outcome) => keepLargeOutcome(this.payloads, this.requireRun().id, outcome, "result", () => heldPayloadBytes(this.ctx.storage.sql), this.faults.limits?.payloadBytes),
  };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.mailer = bindingMailer(env.EMAIL);
    this.streams = new RunStreams(ctx, () => this.store);
    this.alarms = new RunAlarm(ctx.storage, null);
    // Known before the first event, so every write can cover the alarm in the same commit.
    void ctx.blockConcurrencyWhile(async () => {
      this.alarms = new RunAlarm(ctx.storage, await ctx.storage.getAlarm());
      this.remote = await remoteCatalog(env);
    });
    this.open();
  }

  /** Reads the run's storage afresh: at start, and after erasing it. */
  protected open(): void {
    const { ctx, env } = this;
    // A run object a test cut off writes nothing more, as a crashed one could not.
    this.store = new RunStore(ctx.storage.sql, (at) => this.faults.cutOff !== "stopped" && this.alarms.cover(at));
    this.machine = new RunMachine(this.store.steps);
    this.tasks = new TaskDispatch({
      env,
      machine: this.machine,
      run: () => this.requireRun(),
      settled: (outcomes) => this.deliver(outcomes),
      remoteQueue: (key) => this.remoteQueueOf(key),
      lose: (messages) => {
        const lost = Math.min(this.faults.loseTaskMessages ?? 0, messages.length);
        this.faults.loseTaskMessages = (this.faults.loseTaskMessages ?? 0) - lost;
        return messages.slice(lost);
      },
    });
    this.index = new IndexSync(this.store, env, () => this.syncAlarm());
    this.tracer = new RunTracer(this.store, env);
  }

  /** Why keeping `extra` more bytes would pass what one run may hold (kept events count), or null. */
  protected overRunLimit(extra: number, now: number): string | null {
    return byteLimitProblem(this.store, this.faults.limits?.logBytes, extra, now);
  }

  // --- the execution

  /** Hands outcomes to the live execution, or rebuilds it from the log, which now holds them. */
  protected deliver(outcomes: Settled[]): void {
    if (outcomes.length === 0) return;
    // A body a worker runs hears of its outcomes in its next activation.
    const run = this.store.run();
    // Paused: outcomes are recorded and wait for the resume, which replays them in order.
    if (run?.status === "paused") return;
    if (run?.bodyQueue) return this.wantActivation();
    // The body runs on from here until it records its next call: a crash meanwhile costs at most the liveness window.
    this.alarms.cover(Date.now() + LIVENESS_MS);
    if (this.execution) for (const settled of outcomes) this.execution.deliver(settled);
    else this.ensureExecution();
  }

  /** Builds the execution by replaying the log, unless one is alive or the run is over. */
  protected ensureExecution(): void {
    if (this.execution) return;
    const run = this.store.run();
    if (!run || isTerminal(run.status) || run.status === "paused" || isPending(run, Date.now())) return;
    // A worker runs the body: a new run asks for its first activation (later ones follow outcomes).
    if (run.bodyQueue) {
      if (run.status === "queued") this.wantActivation();
      return;
    }
    const body = registry.body(run.workflow) ?? (run.kind === "script" ? remoteScriptBody(this.remote, run.workflow) : undefined);
    // Its file does not build (an edit in dev): the run waits for it to build again, looked at each liveness window.
    if (!body && registry.buildFailure(run.workflow)) {
      this.alarms.cover(Date.now() + LIVENESS_MS);
      return;
    }
    if (!body) {
      this.endRun({ status: "failed", error: toErrorData(new WorkflowNotFoundError(`${run.kind} "${run.workflow}" is not deployed any more`)) }, Date.now());
      this.scheduleFlush();
      return;
    }
    if (run.status === "queued") this.store.setStatus("running", Date.now());
    const execution = new Execution(body, run.input, this.store.steps.log(), this.host, { kind: "drive" }, {
      resolver: withRemote(registry, this.remote),
      codeChange: codeChangeNote(run.workflow, run.version, registry.entry(run.workflow)?.version),
      seed: run.id,
      startedAt: runFacts(run).startedAt,
      run: runFacts(run), payloads: this.payloads?.loader,
    });
    this.execution = execution;
    void execution.ended.then((end) => whenKept(keepLargeEnd(this.payloads, run.id, end, () => heldPayloadBytes(this.ctx.storage.sql), this.faults.limits?.payloadBytes), (kept) => this.finish(execution, kept)));
    execution.start();
    this.scheduleFlush();
  }

  protected finish(execution: Execution | undefined, end: RunOutcome): void {
    if (execution !== this.execution) return;
    this.dropExecution();
    this.endRun(end, Date.now());
    this.scheduleFlush();
  }

  /** Prints a new approval's links in dev (once: a replay begins no approval again). */
  private announceInDev(key: string): void {
    const run = this.store.run();
    const expires = this.machine.step(key)?.wakeAt;
    if (!run || expires === null || expires === undefined) return;
    announceApprovalInDev(this.env, run, key, expires).catch((error: unknown) => console.error(`baton: approval links of ${key} not printed: ${toErrorData(error).message}`));
  }

  /** Records the run's end: open work is abandoned, child runs cancelled, and a waiting parent told. */
  protected endRun(end: RunOutcome, now: number): void {
    this.apply(this.machine.end(now), now);
    this.store.end(end, now);
    // No wait can take a kept event any more.
    this.store.inbox.expire(now, true);
    const run = this.requireRun();
    // In the Worker's logs (under wrangler dev, mapped to your files): why the run failed.
    if (end.status === "failed" && end.error) console.error(`baton: run ${run.id} (${run.workflow}) failed: ${end.error.stack ?? `${end.error.name}: ${end.error.message}`}`);
    // Continued: the successor takes the parent's wait over (continue-as-new.ts); a chain's end is told by its last run.
    if (end.status === "continued") queueSuccessor(this.store, run, end.input, now);
    else if (run.parentId !== null && run.parentKey !== null) {
      this.store.signals.queue({ kind: "notify_parent", target: run.parentId, body: { key: run.parentKey, end, childId: chainIdOf(run) } }, now);
    }
  }

  protected dropExecution(): void {
    this.execution?.halt();
    this.execution = undefined;
  }

  protected begin(call: NewCall): void {
    // One step too many: not recorded; the flush after this burst ends the run.
    const maxSteps = this.faults.limits?.steps ?? MAX_RUN_STEPS;
    // The step count is kept in memory; the step is read only at the limit, where a call already recorded (a retried inline step) adds none.
    if (this.overLimit === undefined && this.store.steps.count() >= maxSteps && !this.machine.step(call.key)) {
      this.overLimit = new StepLimitError(`the run recorded ${maxSteps} steps, the most one run may hold; split the work into child runs (taskFlow), go on in a new run (continueAsNew) or use fewer, larger steps`);
    }
    if (this.overLimit !== undefined) return;
    const now = Date.now();
    this.apply(this.machine.begin(call, now, () => (call.kind === "continue" ? successorIdOf(this.requireRun().id) : crypto.randomUUID())), now);
    this.scheduleFlush();
  }

  /** The body gave up the call at `key`: its step ends cancelled (a task's heartbeats then answer false, a child run is cancelled). */
  protected cancelStep(key: string): void {
    const now = Date.now();
    this.apply(this.machine.cancelStep(key, now), now);
    this.scheduleFlush();
  }

  /** Ends the run as cancelled at once: open steps are abandoned, the body halted, late reports ignored. */
  protected cancelNow(now: number): void {
    this.dropExecution();
    this.endRun({ status: "cancelled" }, now);
    this.tasks.clear();
    this.afterEvent();
  }

  protected finishStep(key: string, attempt: number, outcome: Outcome): Settled | null {
    this.scheduleFlush();
    return this.machine.finishStep(key, attempt, outcome, Date.now());
  }

  /** Starts what a transition asked for; all of it goes out with the next flush. */
  protected apply(effects: RunEffect[], now: number): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case "dispatch":
          this.tasks.dispatch(effect.key, effect.attempt, effect.options, now);
          break;
        case "rerun-step":
          // Cold, the rebuilt execution finds the step running and runs it; a worker's, in its next activation.
          if (this.store.run()?.bodyQueue) this.wantActivation();
          else this.execution?.rerunStep(effect.key, effect.attempt);
          break;
        case "ask":
          if (effect.request.to.length > 0) this.store.emails.queue(effect.key, effect.request.to, now + housekeepingBackoffMs(1));
          this.announceInDev(effect.key);
          break;
        case "start-child":
          this.store.signals.queue({ kind: "start_child", target: effect.childId, body: { workflow: effect.workflow, input: effect.input, parentKey: effect.key } }, now);
          break;
        case "cancel-child":
          this.store.signals.queue({ kind: "cancel_child", target: effect.childId, body: {} }, now);
          break;
        case "send-event":
          this.store.signals.queue({ kind: "send_event", target: effect.runId, body: { key: effect.key, name: effect.name, payload: effect.payload } }, now);
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
  protected afterEvent(): void {
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
  protected reached(point: CutPoint): void {
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
  protected scheduleFlush(): Promise<void> {
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

  protected async flush(): Promise<void> {
    this.reached("recorded");
    const before = this.store.run();
    if (before && !isTerminal(before.status)) this.enforceLimits();
    // Read again: enforcing a limit may have ended the run.
    const run = this.store.run();
    if (!run) return;
    if (!isTerminal(run.status) && run.status !== "queued" && run.status !== "paused") this.store.setStatus(this.machine.liveStatus(), Date.now());
    // Readers hear of the event before the sends it started: they are in storage already.
    this.streams.push();
    await this.tasks.flush();
    this.reached("sent");
    await sendSignals(this.store, this.env, this.requireRun(), this.machine, (settled) => this.deliver([settled]), this.faults.signal);
    await sendApprovalEmails(this.store, this.env, this.requireRun(), this.mailer);
    this.index.inBackground();
    this.tracer.kick();
    this.streams.push();
    this.syncAlarm();
  }

  /** Ends the run, failed with StepLimitError, once it holds more than one run may. */
  protected enforceLimits(): void {
    this.overLimit ??= byteLimitError(this.store, this.faults.limits?.logBytes, Date.now());
    if (this.overLimit !== undefined) this.finish(this.execution, { status: "failed", error: toErrorData(this.overLimit) });
  }

  /** Waits until the body is at rest and the flush after it is done. */
  protected async quiesce(): Promise<void> {
    while (this.execution?.delivering || this.flushing) {
      await this.execution?.idle();
      await this.flushing;
    }
  }

  /** Keeps the one alarm at or before the earliest thing the run waits for (see RunAlarm). */
  protected syncAlarm(): void {
    // An index update may end after the run was erased: there is nothing left to cover.
    if (this.faults.cutOff === "stopped") return;
    const needs = alarmNeedsOf(this.store, this.machine, this.env, Date.now());
    if (needs) this.alarms.sync(needs);
  }

  /** True when the run owes nobody a message: its signals are sent and the list holds its last status. */
  protected erasable(): boolean {
    const run = this.store.run();
    return !!run && this.store.signals.nextAt() === null && run.indexedRevision >= run.revision;
  }

  /** Removes the run from the list, then empties this object's storage; the object then holds no run. */
  protected async erase(): Promise<void> {
    const run = this.requireRun();
    await Promise.all([unlist(this.env, run.id, run.createdAt), this.payloads?.removeRun(run.id)]);
    this.dropExecution();
    this.alarms.clear();
    await this.ctx.storage.deleteAll();
    this.streams.closeAll();
    this.open();
  }

  /** Asks the body's workers for an activation of this run (worker-facing.ts). */
  protected abstract wantActivation(): void;

  /** The worker queue the task at `key` goes to, or null for the Worker's own queues (worker-facing.ts). */
  protected abstract remoteQueueOf(key: string): string | null;

  protected requireRun(): RunRow {
    const run = this.store.run();
    if (!run) throw new Error("baton: run object used before its run was created");
    return run;
  }
}
