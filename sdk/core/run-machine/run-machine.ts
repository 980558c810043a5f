// The run state machine: every transition of a run's steps, written once. A call
// begins in the status its kind starts in; an outcome settles it once, taking the next
// place in the delivery order; a failed attempt waits for its retry or fails the step;
// time makes sleeps wake, approvals and flows time out, silent tasks count as failed
// and retries start; a decision settles an approval; the run's end cancels what is
// open. It reads and writes one run's steps through a storage port and answers the
// work a host must start (effects). The run object hosts it over SQLite, runLocally
// over memory.
// The seams: leases of task attempts (leases.ts), settling and failing (settle.ts),
// what time brings (due.ts), the time limits (timing.ts) and the effects (effects.ts);
// this class is the one face the hosts call.

import type { ApprovalResult } from "../../approval.ts";
import { DEFAULT_TASK_OPTIONS, heartbeatTimeoutMs } from "../../options.ts";
import { CANCEL_GRACE_MS, CANCEL_KEY } from "../cancellation.ts";
import { ROLLBACK_CANCEL } from "../rollbacks.ts";
import type { ErrorData } from "../error-data.ts";
import type { NewCall } from "../execution.ts";
import type { Json } from "../json.ts";
import type { PayloadRef } from "../payloads.ts";
import { childOutcome, type AttemptFacts, type Outcome, type RunOutcome, type Settled, type StepKind, type StepStatus } from "../log.ts";
import { ROOT_BRANCH } from "../step-key.ts";
import { dueWork, type DueWork } from "./due.ts";
import { releaseSlot, type RunEffect } from "./effects.ts";
import { claimAttempt, extendClaim, releaseClaim, runningAttempt } from "./leases.ts";
import { facts, failAttempt, settleStep } from "./settle.ts";
import { OPEN_STEP_STATUSES, type RunStatus } from "./statuses.ts";
import type { StepRecord, StepStorage } from "./storage.ts";

export type { DueWork } from "./due.ts";
export type { RunEffect } from "./effects.ts";
export { LIVENESS_MS, MAX_RESEND_WAIT_MS, MAX_RESENDS, taskDeadlineMs, WATCHDOG_GRACE_MS } from "./timing.ts";

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
   * attempt; answers the work it starts. `childId` names a flow's child run, or a continueAsNew's successor.
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
      endedAt: call.kind === "patch" || call.kind === "continue" ? now : null,
      attemptStartedAt: now,
      wakeAt: null,
      deadline: null,
      delivery: null,
      fromCache: false,
      claim: null,
      resends: 0,
    };
    const effects: RunEffect[] = [];
    let started: string | undefined;
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
          // Started, not awaited: answered with the id below; the child's end then finds the step settled and changes nothing.
          if (call.flow.start) started = id;
        }
        break;
      case "send":
        // The host delivers it to the target run (reliably) and settles the step with the answer.
        if (call.send) effects.push({ kind: "send-event", key: call.key, ...call.send });
        break;
      case "event":
        if (call.event) {
          record.event = { name: call.event.name };
          record.wakeAt = now + Math.round(call.event.timeout * 1000);
        }
        break;
      case "patch":
        break;
      case "continue":
        // Over once recorded: the run ends with it. Its result names the successor (the host's id for it).
        record.result = { runId: childId() };
        break;
    }
    this.steps.insert(record);
    // An event sent before the run reached its wait was kept: the wait takes the oldest.
    const kept = record.event ? this.steps.takeEvent(record.event.name) : undefined;
    const answer = kept ? { value: kept.payload, ref: kept.ref } : started !== undefined ? { value: { runId: started }, ref: undefined } : undefined;
    if (answer) {
      const settled = this.settle(record.key, record.attempts, { ok: true, value: answer.value, ref: answer.ref }, now);
      if (settled) effects.push({ kind: "deliver", settled });
    }
    return effects;
  }

  /** True when `attempt` of the task at `key` is the one running: the only one whose report counts. */
  isWanted(key: string, attempt: number): boolean {
    return runningAttempt(this.steps, key, attempt) !== undefined;
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
    return claimAttempt(this.steps, key, attempt, by, now, heartbeats);
  }

  /**
   * The consumer running a claimed attempt is alive: its claim lasts another heartbeat
   * timeout. False when the attempt is no longer wanted or another consumer holds it:
   * the caller should stop.
   */
  heartbeat(key: string, attempt: number, by: string, now: number): boolean {
    return extendClaim(this.steps, key, attempt, by, now);
  }

  /** A consumer gives back a claimed attempt it will not run (it runs other code): sent again at `resendAt` unless another consumer takes it first. */
  release(key: string, attempt: number, by: string, resendAt: number): void {
    releaseClaim(this.steps, key, attempt, by, resendAt);
  }

  /**
   * A consumer's report of a task attempt, accepted once. A success settles the step;
   * a failure waits for its retry or, when none is left, settles it failed.
   */
  report(key: string, attempt: number, outcome: Outcome, now: number): { accepted: boolean; settled: Settled | null; effects: RunEffect[]; step?: StepRecord } {
    const step = runningAttempt(this.steps, key, attempt);
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
    return settleStep(this.steps, key, attempt, outcome, now, fromCache, kind);
  }

  /** A failed attempt: waits for its retry when its policy allows one and the error is retryable (null), else fails the step. */
  fail(key: string, attempt: number, error: ErrorData, now: number, known?: StepRecord, told: AttemptFacts = {}): Settled | null {
    return failAttempt(this.steps, key, attempt, error, now, known, told);
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
    return dueWork(this.steps, now);
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
   * kept (after the others of its name) for the first wait that comes; `ref`: the payload is kept in the payload store.
   */
  sendEvent(name: string, payload: Json | undefined, now: number, ref?: PayloadRef): { deliveredTo: string | null; settled: Settled | null } {
    const waiting = this.steps.waitingForEvent(name);
    const settled = waiting ? this.settle(waiting.key, waiting.attempts, { ok: true, value: payload, ref }, now) : null;
    if (settled) return { deliveredTo: settled.key, settled };
    this.steps.keepEvent(name, payload, now, ref);
    return { deliveredTo: null, settled: null };
  }

  /** A send's answer from its target (delivered, or why not): settles the send step at `key` once. */
  sent(key: string, outcome: Outcome, now: number): Settled | null {
    const step = this.steps.step(key);
    if (!step || step.kind !== "send" || step.status !== "running") return null;
    return this.settle(key, step.attempts, outcome, now);
  }

  /** The child run of the flow step at `key` ended: settles the step once (repeats and strangers change nothing). */
  childEnded(key: string, childId: string, end: RunOutcome, now: number): Settled | null {
    const step = this.steps.step(key);
    if (!step || step.kind !== "flow" || step.flow?.childId !== childId || step.status !== "running") return null;
    return this.settle(key, step.attempts, childOutcome(end, childId, step.flow.workflow), now);
  }

  /** The run ended: every open step is cancelled; answers the child runs to cancel and the slots to give back. */
  end(now: number): RunEffect[] {
    return this.steps.open().flatMap((step) => this.cancelStep(step.key, now, step));
  }

  /**
   * The body gave up the open step at `key` (its signal, a lost race, the run's
   * cancel): it ends cancelled, so a task attempt's heartbeats answer false, an event
   * wait takes no later event and a sleep's wake no longer counts. Answers the child
   * run to cancel and the slot to give back; nothing for a step already over.
   */
  cancelStep(key: string, now: number, known?: StepRecord): RunEffect[] {
    const step = known ?? this.steps.step(key);
    if (!step) return [];
    // Read before the update: a host that keeps records in memory changes this one.
    const effects: RunEffect[] = [];
    if (step.kind === "flow" && step.flow && step.status === "running") effects.push({ kind: "cancel-child", childId: step.flow.childId });
    if (step.kind === "task") effects.push(...releaseSlot(step));
    return this.steps.update(key, { statuses: OPEN_STEP_STATUSES }, { status: "cancelled", endedAt: now, deadline: null }) ? effects : [];
  }

  /**
   * Records the run's cancel as an outcome of its own (key `cancel#0`) with the next
   * delivery place, so every replay hands it to the body at the same point; null
   * when the run was cancelled already (a second cancel ends the run at once instead).
   * `rollback`: the body's rollbacks run before the run ends (its outcome says so).
   */
  recordCancel(now: number, rollback = false): Settled | null {
    if (this.steps.step(CANCEL_KEY)) return null;
    const delivery = this.steps.lastDelivery() + 1;
    const result = rollback ? ROLLBACK_CANCEL : undefined;
    this.steps.insert({
      key: CANCEL_KEY, branch: ROOT_BRANCH, seq: 0, kind: "cancel", name: "cancel", status: "completed", attempts: 1,
      result, error: undefined, startedAt: now, endedAt: now, attemptStartedAt: now, wakeAt: null, deadline: null,
      delivery, fromCache: false, claim: null, resends: 0,
    });
    return { key: CANCEL_KEY, delivery, at: now, outcome: { ok: true, value: result } };
  }

  /** True once the run's cancel was recorded: its body is cleaning up. */
  cancelRecorded(): boolean {
    return this.steps.step(CANCEL_KEY) !== undefined;
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

  /** The earliest time the run must be looked at again: a wake, a retry, a deadline, a cancelled body's grace deadline. */
  nextDue(): number | null {
    const next = this.steps.nextDue();
    const grace = this.graceDeadline();
    return grace === null ? next : next === null ? grace : Math.min(next, grace);
  }

  /** When a cancelled body's cleanup is cut short (CANCEL_GRACE_MS after the cancel), or null when the run was not cancelled or its compensations must run (a second cancel still ends it). */
  graceDeadline(): number | null {
    const cancel = this.steps.step(CANCEL_KEY);
    return cancel && cancel.result === undefined ? cancel.startedAt + CANCEL_GRACE_MS : null;
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
  return kind === "sleep" ? "sleeping" : kind === "approval" || kind === "event" ? "waiting" : kind === "patch" || kind === "continue" ? "completed" : "running";
}
