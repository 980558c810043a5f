// The run state machine: every transition of a run's steps, written once. A call
// begins in the status its kind starts in; an outcome settles it once, taking the next
// place in the delivery order; a failed attempt waits for its retry or fails the step;
// time makes sleeps wake, approvals and flows time out, silent tasks count as failed
// and retries start; a decision settles an approval; the run's end cancels what is
// open. It reads and writes one run's steps through a storage port and answers the
// work a host must start (effects). The run object hosts it over SQLite, runLocally
// over memory.

import type { ApprovalRequest, ApprovalResult } from "../../approval.ts";
import { EventTimeoutError, TaskDeliveryError, TaskTimeoutError } from "../../errors.ts";
import { DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, DEFAULT_TASK_OPTIONS, heartbeatTimeoutMs, type ResolvedTaskOptions } from "../../options.ts";
import { toErrorData, type ErrorData } from "../error-data.ts";
import type { NewCall } from "../execution.ts";
import type { Json } from "../json.ts";
import { childOutcome, type AttemptFacts, type Outcome, type RunOutcome, type Settled, type StepKind, type StepStatus } from "../log.ts";
import { isRetryable, retryDelayMs } from "../retry-policy.ts";
import { OPEN_STEP_STATUSES, SETTLEABLE_STEP_STATUSES, type RunStatus } from "./statuses.ts";
import type { StepRecord, StepStorage } from "./storage.ts";

/** How long after a claimed task attempt's timeout its silence counts as a failure (its report was lost). */
export const WATCHDOG_GRACE_MS = 10_000;
/**
 * How often an attempt no consumer took is sent again (the first after its heartbeat
 * timeout, then each wait twice the last, at most MAX_RESEND_WAIT_MS) before it fails
 * with TaskDeliveryError and is retried per its policy.
 */
export const MAX_RESENDS = 6;
export const MAX_RESEND_WAIT_MS = 10 * 60_000;
/**
 * The liveness window: the longest a crash may leave a run unattended. Whatever the
 * body does between two recorded calls is covered by an alarm at most this far ahead,
 * and an inline step in flight is looked at again after its heartbeat timeout
 * (cut off by an eviction, it runs again then).
 */
export const LIVENESS_MS = DEFAULT_HEARTBEAT_TIMEOUT_SECONDS * 1000;

/** Work a transition asks the host to start. */
export type RunEffect =
  /** Send this attempt of a task to a consumer (through its concurrency limit, cache and worker tag). */
  | { kind: "dispatch"; key: string; attempt: number; options: ResolvedTaskOptions }
  /** Run this attempt of an inline step in the live execution (or rebuild it, which does). */
  | { kind: "rerun-step"; key: string; attempt: number }
  /** Ask for a decision on an approval (emails, or runLocally's approve callback). */
  | { kind: "ask"; key: string; request: ApprovalRequest }
  /** Start the child run of a flow step. */
  | { kind: "start-child"; key: string; childId: string; workflow: string; input: Json | undefined }
  /** Cancel a child run whose flow step is over or whose parent ended. */
  | { kind: "cancel-child"; childId: string }
  /** Give back the concurrency slot a task attempt held. */
  | { kind: "release-slot"; key: string; options: ResolvedTaskOptions }
  /** Hand this outcome to the body now (an event wait that found its event already kept). */
  | { kind: "deliver"; settled: Settled };

/** A person's decision on an approval. */
export interface Decision {
  approved: boolean;
  comment?: string | undefined;
  by?: string | undefined;
}

/** What deciding an approval came to. */
export type Decided =
  | { status: "decided"; result: ApprovalResult; settled: Settled }
  | { status: "already_decided"; result: ApprovalResult | null }
  | { status: "approval_not_found" };

/** What time brought: outcomes to deliver, work to start. */
export interface DueWork {
  settled: Settled[];
  effects: RunEffect[];
}

export class RunMachine {
  private readonly steps: StepStorage;

  constructor(steps: StepStorage) {
    this.steps = steps;
  }

  /** The step at `key`. */
  step(key: string): StepRecord | undefined {
    return this.steps.step(key);
  }

  /**
   * Records a new call in the status its kind starts in, or an inline step's next
   * attempt; answers the work it starts. `childId` names a flow's child run.
   */
  begin(call: NewCall, now: number, childId: () => string): RunEffect[] {
    if (this.steps.step(call.key)) {
      const deadline = now + heartbeatTimeoutMs(call.options ?? DEFAULT_TASK_OPTIONS);
      this.steps.update(call.key, { statuses: OPEN_STEP_STATUSES }, { status: "running", attempts: call.attempt, attemptStartedAt: now, wakeAt: null, deadline });
      return [];
    }
    const record: StepRecord = {
      key: call.key,
      branch: call.branch,
      seq: call.seq,
      kind: call.kind,
      name: call.name,
      status: initialStatus(call.kind),
      attempts: call.attempt,
      result: call.kind === "patch" ? true : undefined,
      error: undefined,
      startedAt: now,
      endedAt: call.kind === "patch" ? now : null,
      attemptStartedAt: now,
      wakeAt: null,
      deadline: null,
      delivery: null,
      fromCache: false,
      claim: null,
      resends: 0,
    };
    const effects: RunEffect[] = [];
    switch (call.kind) {
      case "task": {
        const options = call.options ?? DEFAULT_TASK_OPTIONS;
        record.options = options;
        // Unclaimed: a consumer must take it within its heartbeat timeout, or it is sent again.
        record.deadline = now + heartbeatTimeoutMs(options);
        if (call.script) record.script = call.script;
        effects.push({ kind: "dispatch", key: call.key, attempt: call.attempt, options });
        break;
      }
      case "step":
        record.options = call.options ?? DEFAULT_TASK_OPTIONS;
        // Looked at again within its heartbeat timeout: an eviction that cut it off costs no more.
        record.deadline = now + heartbeatTimeoutMs(record.options);
        break;
      case "sleep":
        record.wakeAt = call.until ?? now + Math.round((call.seconds ?? 0) * 1000);
        break;
      case "approval":
        if (call.approval) {
          record.approval = call.approval;
          record.wakeAt = now + Math.round(call.approval.timeout * 1000);
          effects.push({ kind: "ask", key: call.key, request: call.approval });
        }
        break;
      case "flow":
        if (call.flow) {
          // The child's id is recorded with the step, so replays and retried starts reach the same child.
          const id = childId();
          record.flow = { workflow: call.flow.path, input: call.flow.input, timeout: call.flow.timeout ?? null, childId: id };
          if (call.flow.timeout !== undefined) record.deadline = now + call.flow.timeout * 1000;
          effects.push({ kind: "start-child", key: call.key, childId: id, workflow: call.flow.path, input: call.flow.input });
        }
        break;
      case "event":
        if (call.event) {
          record.event = { name: call.event.name };
          record.wakeAt = now + Math.round(call.event.timeout * 1000);
        }
        break;
      case "patch":
        break;
    }
    this.steps.insert(record);
    // An event sent before the run reached its wait was kept: the wait takes the oldest.
    const kept = record.event ? this.steps.takeEvent(record.event.name) : undefined;
    if (kept) {
      const settled = this.settle(record.key, record.attempts, { ok: true, value: kept.payload }, now);
      if (settled) effects.push({ kind: "deliver", settled });
    }
    return effects;
  }

  /** True when `attempt` of the task at `key` is the one running: the only one whose report counts. */
  isWanted(key: string, attempt: number): boolean {
    return this.runningAttempt(key, attempt) !== undefined;
  }

  /** The task at `key` while `attempt` is the one running; undefined once it settled, moved on or never was. */
  private runningAttempt(key: string, attempt: number): StepRecord | undefined {
    const step = this.steps.step(key);
    return step && step.kind === "task" && step.status === "running" && step.attempts === attempt ? step : undefined;
  }

  /**
   * A consumer takes `attempt` of the task at `key` before running it: true when the
   * attempt is wanted and no other consumer holds it (a duplicate delivery gets false and
   * runs nothing). From the claim the attempt's timeout counts, and its heartbeat
   * timeout; `heartbeats` false for a host that sends none (runLocally), which only the
   * timeout bounds.
   */
  claim(key: string, attempt: number, by: string, now: number, heartbeats = true): boolean {
    return this.claimed(key, attempt, by, now, heartbeats) !== undefined;
  }

  /** As `claim`, answering the task as it was read (its options and script) when `by` holds it, so the caller need not read it again. */
  claimed(key: string, attempt: number, by: string, now: number, heartbeats = true): StepRecord | undefined {
    const step = this.runningAttempt(key, attempt);
    return step && this.take(step, by, now, heartbeats) ? step : undefined;
  }

  /** Claims a running attempt already read for `by`; true when `by` holds it. */
  private take(step: StepRecord, by: string, now: number, heartbeats: boolean): boolean {
    if (step.claim) return step.claim.by === by;
    const options = step.options ?? DEFAULT_TASK_OPTIONS;
    const timeoutAt = now + taskDeadlineMs(options);
    return this.steps.lease(step.key, step.attempts, { claim: { by, at: now }, deadline: heartbeats ? Math.min(now + heartbeatTimeoutMs(options), timeoutAt) : timeoutAt });
  }

  /**
   * The consumer running a claimed attempt is alive: its claim lasts another heartbeat
   * timeout. False when the attempt is no longer wanted or another consumer holds it:
   * the caller should stop.
   */
  heartbeat(key: string, attempt: number, by: string, now: number): boolean {
    const step = this.runningAttempt(key, attempt);
    if (!step) return false;
    if (!step.claim) return this.take(step, by, now, true);
    if (step.claim.by !== by) return false;
    const options = step.options ?? DEFAULT_TASK_OPTIONS;
    const window = heartbeatTimeoutMs(options);
    const deadline = Math.min(now + window, step.claim.at + taskDeadlineMs(options));
    // Stored when it moves a quarter window: a heartbeat every second is not a write every second.
    if (step.deadline === null || deadline - step.deadline >= window / 4) this.steps.lease(key, attempt, { deadline });
    return true;
  }

  /** A consumer gives back a claimed attempt it will not run (it runs other code): sent again at `resendAt` unless another consumer takes it first. */
  release(key: string, attempt: number, by: string, resendAt: number): void {
    const step = this.steps.step(key);
    if (step?.claim?.by !== by) return;
    this.steps.lease(key, attempt, { claim: null, deadline: resendAt });
  }

  /**
   * A consumer's report of a task attempt, accepted once. A success settles the step;
   * a failure waits for its retry or, when none is left, settles it failed.
   */
  report(key: string, attempt: number, outcome: Outcome, now: number): { accepted: boolean; settled: Settled | null; effects: RunEffect[]; step?: StepRecord } {
    const step = this.runningAttempt(key, attempt);
    if (!step) return { accepted: false, settled: null, effects: [] };
    const settled = outcome.ok ? this.settle(key, attempt, outcome, now, false, "task") : this.fail(key, attempt, outcome.error, now, step, facts(outcome));
    return { accepted: true, settled, effects: releaseSlot(step), step };
  }

  /** An inline step's attempt ended: settled, or waiting for its retry (null; also for a stale attempt). */
  finishStep(key: string, attempt: number, outcome: Outcome, now: number): Settled | null {
    return outcome.ok ? this.settle(key, attempt, outcome, now, false, "step") : this.fail(key, attempt, outcome.error, now, undefined, facts(outcome));
  }

  /** Stores the outcome of the current attempt of an open step with the next delivery place; null for a stale or repeated one. */
  settle(key: string, attempt: number, outcome: Outcome, now: number, fromCache = false, kind?: StepKind): Settled | null {
    const delivery = this.steps.lastDelivery() + 1;
    const applied = this.steps.update(
      key,
      { statuses: SETTLEABLE_STEP_STATUSES, attempt },
      {
        status: outcome.ok ? "completed" : "failed",
        result: outcome.ok ? outcome.value : undefined,
        error: outcome.ok ? undefined : outcome.error,
        endedAt: now,
        deadline: null,
        delivery,
        ...(fromCache ? { fromCache: true } : {}),
      },
    );
    if (!applied) return null;
    const settledKind = kind ?? this.steps.step(key)?.kind;
    if (settledKind === "task" || settledKind === "step") this.steps.recordAttempt(key, attempt, now, outcome.ok ? null : outcome.error, facts(outcome));
    return { key, delivery, at: now, outcome };
  }

  /** A failed attempt: waits for its retry when its policy allows one and the error is retryable (null), else fails the step. */
  fail(key: string, attempt: number, error: ErrorData, now: number, known?: StepRecord, told: AttemptFacts = {}): Settled | null {
    const step = known ?? this.steps.step(key);
    if (!step) return null;
    const delay = isRetryable(error) ? retryDelayMs((step.options ?? DEFAULT_TASK_OPTIONS).retries, attempt + 1) : null;
    if (delay === null) return this.settle(key, attempt, { ok: false, error, ...told }, now, false, step.kind);
    if (this.steps.update(key, { statuses: ["running"], attempt }, { status: "retrying", wakeAt: now + delay, error, deadline: null })) {
      this.steps.recordAttempt(key, attempt, now, error, told);
    }
    return null;
  }

  /** Completes a task's first attempt with a result another run (or this one) cached. */
  settleFromCache(key: string, attempt: number, result: Json | undefined, now: number): Settled | null {
    const step = this.steps.step(key);
    if (!step || step.status !== "running") return null;
    return this.settle(key, attempt, { ok: true, value: result }, now, true, "task");
  }

  /** Holds a task attempt until its concurrency limit grants a slot; the host asks again at `recheckAt`. */
  queueForSlot(key: string, attempt: number, recheckAt: number): void {
    this.steps.update(key, { statuses: OPEN_STEP_STATUSES }, { status: "queued", attempts: attempt, wakeAt: null, deadline: recheckAt, claim: null, resends: 0 });
  }

  /** Starts a queued attempt that got its slot; false if it is no longer queued. */
  startFromQueue(key: string, attempt: number, now: number): boolean {
    const step = this.steps.step(key);
    if (!step) return false;
    return this.steps.update(key, { statuses: ["queued"], attempt }, { status: "running", deadline: now + heartbeatTimeoutMs(step.options ?? DEFAULT_TASK_OPTIONS), attemptStartedAt: now, claim: null, resends: 0 });
  }

  /** Sends a task attempt again soon: its message could not be sent. */
  resendAt(key: string, at: number): void {
    this.steps.update(key, { statuses: ["running"] }, { deadline: at });
  }

  /**
   * What the time `now` brings, in this order: sleeps wake, approvals time out, child
   * flows past their timeout fail (and their children are cancelled), silent task
   * attempts count as failed (a lost message, a dead consumer), retries start, and
   * tasks still waiting for a slot ask again.
   */
  due(now: number): DueWork {
    const settled: Settled[] = [];
    const effects: RunEffect[] = [];
    const keep = (outcome: Settled | null): void => {
      if (outcome) settled.push(outcome);
    };
    for (const step of this.steps.dueWakes(["sleeping"], now)) keep(this.settle(step.key, step.attempts, { ok: true, value: undefined }, now));
    for (const step of this.steps.dueWakes(["waiting"], now)) {
      if (step.kind === "event") {
        const error = toErrorData(new EventTimeoutError(`no event "${step.event?.name ?? step.name}" came within the wait's timeout (${step.key})`));
        keep(this.settle(step.key, step.attempts, { ok: false, error }, now));
      } else keep(this.settle(step.key, step.attempts, { ok: true, value: { ...timedOut(now) } }, now));
    }
    for (const step of this.steps.dueDeadlines(["running"], now)) {
      if (step.kind === "flow" && step.flow) {
        const error = toErrorData(new TaskTimeoutError(`child flow "${step.key}" (${step.flow.workflow}) ran past its timeout; it was cancelled`));
        const outcome = this.settle(step.key, step.attempts, { ok: false, error }, now);
        if (outcome) effects.push({ kind: "cancel-child", childId: step.flow.childId });
        keep(outcome);
      } else if (step.kind === "step") {
        // Alive in this execution, it runs on; cut off by an eviction, the rebuilt execution runs it again.
        // Bookkeeping, not a log change: consumers replaying the run never need it.
        this.steps.lease(step.key, step.attempts, { deadline: now + heartbeatTimeoutMs(step.options ?? DEFAULT_TASK_OPTIONS) });
      } else if (step.kind === "task") {
        const options = step.options ?? DEFAULT_TASK_OPTIONS;
        const window = heartbeatTimeoutMs(options);
        let error: ErrorData | null = null;
        if (step.claim && now >= step.claim.at + taskDeadlineMs(options)) {
          error = toErrorData(new TaskTimeoutError(`"${step.key}" attempt ${step.attempts} did not report within its ${options.timeout} s timeout`));
        } else if (step.claim) {
          // Its consumer went silent (it crashed, or was evicted): the attempt failed, and is retried per its policy.
          error = toErrorData(new TaskTimeoutError(`"${step.key}" attempt ${step.attempts}: its consumer sent no heartbeat for ${window / 1000} s (it crashed or was evicted)`));
        } else if (step.resends >= MAX_RESENDS) {
          error = toErrorData(new TaskDeliveryError(`"${step.key}" attempt ${step.attempts} was sent ${step.resends + 1} times and no consumer took it`));
        }
        if (error) {
          effects.push(...releaseSlot(step));
          keep(this.fail(step.key, step.attempts, error, now));
        } else {
          // Never taken: its message was lost, or waits behind others. Sent again; the first consumer to claim it runs it.
          // The first re-send waits one heartbeat timeout more (a message lost in a crash costs no more), each later one twice the last.
          const wait = Math.min(window * 2 ** step.resends, MAX_RESEND_WAIT_MS);
          this.steps.lease(step.key, step.attempts, { deadline: now + wait, resends: step.resends + 1 });
          effects.push({ kind: "dispatch", key: step.key, attempt: step.attempts, options });
        }
      }
    }
    for (const step of this.steps.dueWakes(["retrying"], now)) {
      const attempt = step.attempts + 1;
      if (step.kind === "step") {
        // The execution's next attempt records itself (begin) when it runs.
        this.steps.update(step.key, { statuses: ["retrying"] }, { status: "running", wakeAt: null, deadline: now + heartbeatTimeoutMs(step.options ?? DEFAULT_TASK_OPTIONS) });
        effects.push({ kind: "rerun-step", key: step.key, attempt });
        continue;
      }
      const options = step.options ?? DEFAULT_TASK_OPTIONS;
      this.steps.update(step.key, { statuses: ["retrying"] }, { status: "running", attempts: attempt, wakeAt: null, deadline: now + heartbeatTimeoutMs(options), attemptStartedAt: now, claim: null, resends: 0 });
      effects.push({ kind: "dispatch", key: step.key, attempt, options });
    }
    // A queued attempt whose limiter never called back asks again (its lease may have been lost).
    for (const step of this.steps.dueDeadlines(["queued"], now)) effects.push({ kind: "dispatch", key: step.key, attempt: step.attempts, options: step.options ?? DEFAULT_TASK_OPTIONS });
    return { settled, effects };
  }

  /** A person's decision on the approval at `key`: settles it once. */
  decide(key: string, decision: Decision, now: number): Decided {
    const step = this.steps.step(key);
    if (!step || step.kind !== "approval") return { status: "approval_not_found" };
    if (step.status !== "waiting") return { status: "already_decided", result: (step.result as ApprovalResult | undefined) ?? null };
    const result: ApprovalResult = { approved: decision.approved, decision: decision.approved ? "approved" : "rejected", decidedAt: new Date(now).toISOString() };
    if (decision.by !== undefined) result.by = decision.by;
    if (decision.comment !== undefined) result.comment = decision.comment;
    const settled = this.settle(key, step.attempts, { ok: true, value: { ...result } }, now);
    return settled ? { status: "decided", result, settled } : { status: "already_decided", result: null };
  }

  /**
   * An event sent to the run: settles the oldest wait for it with its payload, or is
   * kept (after the others of its name) for the first wait that comes.
   */
  sendEvent(name: string, payload: Json | undefined, now: number): { deliveredTo: string | null; settled: Settled | null } {
    const waiting = this.steps.waitingForEvent(name);
    const settled = waiting ? this.settle(waiting.key, waiting.attempts, { ok: true, value: payload }, now) : null;
    if (settled) return { deliveredTo: settled.key, settled };
    this.steps.keepEvent(name, payload, now);
    return { deliveredTo: null, settled: null };
  }

  /** The child run of the flow step at `key` ended: settles the step once (repeats and strangers change nothing). */
  childEnded(key: string, childId: string, end: RunOutcome, now: number): Settled | null {
    const step = this.steps.step(key);
    if (!step || step.kind !== "flow" || step.flow?.childId !== childId || step.status !== "running") return null;
    return this.settle(key, step.attempts, childOutcome(end, childId, step.flow.workflow), now);
  }

  /** The run ended: every open step is cancelled; answers the child runs to cancel and the slots to give back. */
  end(now: number): RunEffect[] {
    const effects: RunEffect[] = [];
    for (const step of this.steps.open()) {
      if (step.kind === "flow" && step.flow && step.status === "running") effects.push({ kind: "cancel-child", childId: step.flow.childId });
      if (step.kind === "task") effects.push(...releaseSlot(step));
      this.steps.update(step.key, { statuses: OPEN_STEP_STATUSES }, { status: "cancelled", endedAt: now, deadline: null });
    }
    return effects;
  }

  /** What the run is doing: running while a task or step is open, else waiting while an approval is, else sleeping while a sleep is. */
  liveStatus(): RunStatus {
    const tally = this.steps.tally();
    if (tally.active > 0) return "running";
    if (tally.waiting > 0) return "waiting";
    return tally.sleeping > 0 ? "sleeping" : "running";
  }

  /** True when the only open steps are child flows with no timeout: only the children can move the run on. */
  waitsOnlyForChildren(): boolean {
    const tally = this.steps.tally();
    return tally.open > 0 && tally.open === tally.children;
  }

  /** The earliest time the run must be looked at again: a wake, a retry, a deadline. */
  nextDue(): number | null {
    return this.steps.nextDue();
  }

  /**
   * For tests: makes the earliest wait of the run due at `now` (a sleep's wake, a
   * retry's wait, an approval's timeout, a child flow's deadline), or the wait of the
   * step at `key` (for a task in flight, the deadline its report is awaited by);
   * answers the keys it changed.
   */
  hasten(now: number, key?: string): string[] {
    const waits = this.steps
      .open()
      .flatMap((step): { key: string; due: number; what: "wakeAt" | "deadline" }[] => {
        if ((step.status === "sleeping" || step.status === "waiting" || step.status === "retrying") && step.wakeAt !== null) return [{ key: step.key, due: step.wakeAt, what: "wakeAt" }];
        if (step.kind === "flow" && step.status === "running" && step.deadline !== null) return [{ key: step.key, due: step.deadline, what: "deadline" }];
        // Asked by key, a task in flight's deadline: its report counts as lost now.
        if (key !== undefined && step.kind === "task" && step.status === "running" && step.deadline !== null) return [{ key: step.key, due: step.deadline, what: "deadline" }];
        return [];
      })
      .filter((wait) => key === undefined || wait.key === key);
    const earliest = Math.min(...waits.map((wait) => wait.due));
    const chosen = key === undefined ? waits.filter((wait) => wait.due === earliest) : waits;
    for (const wait of chosen) this.steps.update(wait.key, { statuses: OPEN_STEP_STATUSES }, { [wait.what]: Math.min(wait.due, now) });
    return chosen.map((wait) => wait.key);
  }
}

/** The status a call of each kind starts in. */
export function initialStatus(kind: StepKind): StepStatus {
  return kind === "sleep" ? "sleeping" : kind === "approval" || kind === "event" ? "waiting" : kind === "patch" ? "completed" : "running";
}

/** How long a claimed task attempt may go without a report: its timeout, then the watchdog's grace. */
export function taskDeadlineMs(options: ResolvedTaskOptions): number {
  return options.timeout * 1000 + WATCHDOG_GRACE_MS;
}

/** An approval's result when nobody decided before its timeout. */
function timedOut(now: number): ApprovalResult {
  return { approved: false, decision: "timeout", decidedAt: new Date(now).toISOString() };
}

function releaseSlot(step: StepRecord): RunEffect[] {
  return step.options?.concurrency ? [{ kind: "release-slot", key: step.key, options: step.options }] : [];
}

/** The facts of an attempt an outcome carries, without its result. */
function facts(outcome: Outcome): AttemptFacts {
  return { ...(outcome.logs ? { logs: outcome.logs } : {}), ...(outcome.ranAt !== undefined ? { ranAt: outcome.ranAt } : {}) };
}
