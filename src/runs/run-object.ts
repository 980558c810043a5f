// One Durable Object per run: its RPC surface, for the API (start, read, cancel,
// restart, delete, events, decisions), queue consumers (taskContext, heartbeats,
// reports), other run objects (a child's end) and limiters (a slot granted), plus its
// alarm. Every event follows the same order, in the machinery beneath (run-host.ts):
// the machine's transition is stored, outcomes go to the body, and what the transition
// started goes out after storage, with the one alarm covering whatever the run waits for.

import { validate, type ApprovalResult, type Workflow } from "baton-workflows";
import {
  canonicalJson,
  DEFAULT_TASK_OPTIONS,
  encodeJson,
  heartbeatTimeoutMs,
  isReplayFailure,
  isTerminal,
  type Decision,
  type Json,
  type Outcome,
  type RunOutcome,
  type Settled,
} from "baton-workflows/engine";
import { approvalLinks } from "../approvals/approval-mail.ts";
import { registry } from "../registry.ts";
import { TaskReports, type TaskReport } from "../tasks/messages.ts";
import type { PayloadRef, ApprovalInfo, CancelOptions, CancelResult, DecideResult, RemoveResult, RestartRequest, RestartResult, SendEventResult, StartRequest, StartResult, TaskContextData, TaskRef } from "./run-api.ts";
import { iso, type RunSummary } from "./run-view.ts";
import { detailOf, stepDetailOf, stepPageOf, summaryOf, windowOf } from "./run-views.ts";
import { LOG_PAGE_BYTES, STEPS_PAGE_SIZE } from "./limits.ts";
import { retentionMs } from "./alarm.ts";
import { restartRun } from "./restart.ts";
import { Continuing } from "./continuing.ts";
import { readCatalog } from "../remote/remote-catalog.ts";
import { runFacts } from "./run-messages.ts";
import { normalTraceparent } from "../telemetry/traceparent.ts";
import { contextInput, heldPayloadBytes, reportedOutcome } from "../payloads/kept-outcomes.ts";
import { answerToBatch } from "./batch-run.ts";

export type { ApprovalInfo, CancelResult, DecideResult, Decision, StartRequest, StartResult, TaskContextData, TaskRef } from "./run-api.ts";

/** The run's Durable Object as its callers see it: the API, consumers, other run objects, limiters. */
export class RunObject extends Continuing {
  /** Creates the run (or returns the existing one for a repeated id) and starts it. */
  async start(started: StartRequest): Promise<StartResult> {
    const request = await this.withInput(started);
    // Read before anything is: the directory is another object, and no other event may come between the check and the creation.
    // For a name the Worker does not have, a directory that cannot be read fails the start rather than passing for "no worker serves it".
    const own = registry.entry(request.workflow) !== undefined;
    if (own) await this.refreshRemote();
    else this.remote = await readCatalog(this.env);
    const remote = own ? null : (this.remote.get(request.workflow) ?? null);
    const existing = this.store.run();
    if (existing) {
      // A start cut off by a crash may have created the run before listing it: the retry lists it.
      const listed = await this.index.listed(request.batched === true);
      const same = existing.workflow === request.workflow && canonicalJson((await this.inputValue(existing)) ?? null) === canonicalJson(request.input ?? null);
      return { created: false, ...listed, ...(same ? {} : { conflict: true }) };
    }
    const entry = registry.entry(request.workflow);
    // Refused before anything is stored: every way in (the API, code, a binding, a parent's taskFlow, a schedule, a restart) starts here.
    const schema = entry?.kind === "workflow" ? ((entry.workflow as Partial<Workflow>).input ?? null) : null;
    if (schema) {
      const checked = await validate(schema, request.input);
      if (!checked.ok) return { created: false, invalid: checked.issues };
    }
    this.store.create({
      id: request.id,
      workflow: request.workflow,
      kind: entry?.kind ?? remote?.kind ?? "workflow",
      input: request.input, inputRef: request.inputRef ?? null,
      idempotencyKey: request.idempotencyKey,
      origin: request.origin,
      parentId: request.parent?.id ?? null,
      parentKey: request.parent?.key ?? null,
      restartOf: request.restart?.of ?? null,
      attempt: request.restart?.attempt ?? 1,
      version: entry?.version ?? remote?.version ?? null,
      workerVersion: this.env.CF_VERSION_METADATA?.id ?? null,
      // A worker runs a workflow's body; a script run's one task goes to its worker from a body here.
      remote: remote?.kind === "workflow" ? { queue: remote.queue, language: remote.language } : undefined,
      traceparent: normalTraceparent(request.traceparent),
      startsAt: request.startsAt ?? null,
      continuedFrom: request.continuedFrom,
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
    // A run is listed by the time its creation is answered; a batch's by the batch, which also sends its first tasks (batch-run.ts).
    return { created: true, ...(request.batched ? await answerToBatch(this.index, this.tasks, this.flushing) : await this.index.listed(false)) };
  }

  /** The run with its steps as RunDetail JSON text (RPC cannot type its free-form JSON), or null when this object holds none. */
  async describe(): Promise<string | null> {
    if (!this.store.run()) return null;
    await this.handedOn();
    await this.index.caughtUp();
    const run = this.requireRun();
    const detail = detailOf(this.store, run, true, (key) => this.remoteQueueOf(key));
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
    return run ? JSON.stringify(windowOf(this.store, run, offset, limit, (key) => this.remoteQueueOf(key))) : null;
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
    await this.handedOn();
    await this.index.caughtUp();
    return summaryOf(this.store, this.requireRun());
  }

  /**
   * Cancels the run. A TypeScript body running here hears of it at the primitives it
   * awaits (the cancel is recorded in the log, so every replay hears it at the same
   * point) and may clean up; the run ends cancelled when the body ends, which for a body
   * with no cleanup happens before this answers (`rollback`: its completed steps'
   * rollbacks run first; a paused run refuses it). A second cancel, a paused or queued
   * run, and a body a worker runs end at once: open steps abandoned, late reports ignored.
   */
  async cancel(options: CancelOptions = {}): Promise<CancelResult> {
    const run = this.store.run();
    if (!run) return { status: "not_found" };
    if (run.status === "continued") return this.cancelChain(run, options);
    if (isTerminal(run.status)) return { status: "not_active", run: summaryOf(this.store, run) };
    if (options.rollback && run.status === "paused") return { status: "paused", run: summaryOf(this.store, run) };
    const now = Date.now();
    const graceful = !run.bodyQueue && run.status !== "paused" && run.status !== "queued";
    const settled = graceful ? this.machine.recordCancel(now, options.rollback === true) : null;
    if (!settled) {
      this.cancelNow(now);
      return { status: "cancelled", run: summaryOf(this.store, this.requireRun()) };
    }
    this.deliver([settled]);
    this.afterEvent();
    // A body with no cleanup ends now: the answer already says cancelled.
    await this.quiesce();
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
    // What the consumer's replay needs of the run itself (its currentRun() included), with the whole log.
    if (since === 0) Object.assign(context, { ...contextInput(run), startedAt: runFacts(run).startedAt, run: runFacts(run) });
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
    const settled = this.machine.childEnded(key, childId, await this.adoptEnd(end), Date.now());
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
      const outcome: Outcome = reportedOutcome(report, () => heldPayloadBytes(this.ctx.storage.sql), this.faults.limits?.payloadBytes, run.bodyQueue !== null);
      const { accepted, settled, effects, step } = this.machine.report(report.key, report.attempt, outcome, now);
      this.apply(effects, now);
      if (settled) outcomes.push(settled);
      if (accepted && outcome.ok && !outcome.ref && step) this.tasks.cacheResult(step, outcome.value);
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
   * request's fingerprint), a repeat gets the first answer and delivers nothing. With `incarnation` (an event URL's), a later run under this id answers run_not_found.
   */
  async sendEvent(name: string, payload: Json | undefined, once?: { key: string; fingerprint: string }, incarnation?: string | null, payloadRef?: PayloadRef): Promise<SendEventResult> {
    const run = this.store.run();
    if (!run || (incarnation !== undefined && incarnation !== run.incarnation)) return { status: "run_not_found" };
    const first = once && this.store.inbox.sent(once.key);
    if (first) return first.fingerprint === once.fingerprint ? { status: "accepted", deliveredTo: first.deliveredTo, waitingFor: this.waitedEvents(), repeated: true } : { status: "idempotency_conflict" };
    if (isTerminal(run.status)) return { status: "run_not_active", run: summaryOf(this.store, run) };
    const now = Date.now();
    if (!this.store.steps.waitingForEvent(name)) {
      const size = encodeJson(payload)?.length ?? payloadRef?.bytes ?? 0;
      const refusal = this.store.inbox.refusal(size, now) ?? this.overRunLimit(size, now);
      if (refusal) return { status: "inbox_full", message: refusal };
    }
    const sent = this.machine.sendEvent(name, payload, now, payloadRef);
    if (once) this.store.inbox.remember(once.key, { fingerprint: once.fingerprint, deliveredTo: sent.deliveredTo }, now);
    if (sent.settled) this.deliver([sent.settled]);
    this.afterEvent();
    return { status: "accepted", deliveredTo: sent.deliveredTo, waitingFor: this.waitedEvents() };
  }

  /** The names of the events the run's open waits are for, in the order they began. */
  private waitedEvents(): string[] {
    const names = this.store.steps.withStatus("waiting").flatMap((step) => (step.kind === "event" ? [step.event?.name ?? step.name] : []));
    return [...new Set(names)];
  }

  /**
   * Starts a new run of this ended run's workflow with its input, keeping the steps
   * that completed before `fromStep` (see restartPlan); the rest runs on the current code.
   */
  async restart(request: RestartRequest): Promise<RestartResult> {
    return restartRun(this.store, this.env, request, { input: (run, id) => this.restartInput(run, id), steps: (kept, id) => this.adoptSteps(kept, id) });
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
    if (!run || isTerminal(run.status) || run.status === "paused" || !this.tasks.granted(key, attempt)) return false;
    this.afterEvent();
    return true;
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
    // Paused: no timer fires (the resume fires what fell due); housekeeping below still runs.
    if (!isTerminal(run.status) && run.status !== "paused") {
      // Only an execution about to be rebuilt resolves names again; a live one keeps what it resolved with.
      if (!this.execution) await this.refreshRemote();
      const now = Date.now();
      // A cancelled body still cleaning up at its grace deadline is cut short.
      const grace = this.machine.graceDeadline();
      if (grace !== null && now >= grace) return this.cancelNow(now);
      const { settled, effects } = this.machine.due(now);
      this.apply(effects, now);
      this.deliver(settled);
      // Evicted meanwhile: the rebuilt execution finds due inline steps running and runs them.
      this.ensureExecution();
    }
    this.afterEvent();
  }

}
