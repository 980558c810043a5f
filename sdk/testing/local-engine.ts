// One run in memory: the production replay machine and run state machine, hosted on
// a virtual clock. It does what the run object does — record calls, run tasks the
// way a consumer reaches them, wake the run when the machine says something is due —
// with memory for SQLite and the clock for the alarm.

import { ScriptNotFoundError, StepLimitError } from "../errors.ts";
import { isWorkflow } from "../index.ts";
import { DEFAULT_TASK_OPTIONS } from "../options.ts";
import { toSeconds } from "../duration.ts";
import { toErrorData } from "../core/error-data.ts";
import { Execution, runClosure, type ExecutionHost, type ExecutionOptions, type NewCall, type Resolver, type WorkflowBody } from "../core/execution.ts";
import { toJson, type Json } from "../core/json.ts";
import { MAX_RUN_STEPS } from "../core/limits.ts";
import type { Outcome, RunOutcome, Settled } from "../core/log.ts";
import { RunMachine, type RunEffect } from "../core/run-machine/run-machine.ts";
import { runTaskByReplay } from "../core/task-replay.ts";
import { RunMirror } from "../core/run-mirror.ts";
import { AttemptSignals, attemptId } from "./attempt-signals.ts";
import { MemorySteps } from "./memory-steps.ts";
import type { LocalQueryAnswer, LocalRun, LocalRunOptions, LocalUpdateAnswer } from "./types.ts";
import { asScript, localView } from "./local-view.ts";
import { sendLocally, type LocalTarget } from "./local-messages.ts";
import { scheduleQueries } from "./local-queries.ts";
import { scheduleUpdates } from "./local-updates.ts";
import { publishedOf } from "../core/published-state.ts";
import type { VirtualClock } from "./virtual-clock.ts";
import { chainView, localSuccessorId } from "./local-continue.ts";
import { askLocally } from "./local-approvals.ts";

let nextLocalId = 1;

export class LocalEngine implements LocalTarget {
  readonly id: string;
  ended: RunOutcome | undefined;
  /** The run this one continued as (continueAsNew), once it did. */
  successor: LocalEngine | undefined;
  private readonly steps = new MemorySteps();
  private readonly machine = new RunMachine(this.steps);
  private readonly createdAt: number;
  private endedAt: number | null = null;
  private drive: Execution | undefined;
  private mirror: RunMirror | undefined;
  private replayDue = false;
  /** The clock timer set for the machine's next due time, and that time. */
  private wake: { at: number; cancel: () => void } | undefined;
  private readonly children: LocalEngine[] = [];
  private readonly childById = new Map<string, LocalEngine>();
  private readonly resolver: Resolver;
  private readonly host: ExecutionHost = {
    begin: (call) => this.begin(call),
    finishStep: (key, attempt, outcome) => this.finishStep(key, attempt, outcome),
    cancelStep: (key) => this.cancelStep(key),
    // The clock stands still while outcomes are delivered to the body.
    delivering: (done) => this.clock.track(done),
    attemptSignal: (key, attempt) => this.attempts.open(key, attempt, this.machine.step(key)?.options?.timeout ?? DEFAULT_TASK_OPTIONS.timeout),
  };
  /** Cancels that wait for a step to begin (options.cancels' atStep). */
  private readonly cancelAtStep: { key: string; rollback: boolean }[] = [];
  /** The signals of attempts in flight: their virtual timeouts, and the body giving their step up. */
  private readonly attempts: AttemptSignals;
  /** Keeps the clock still while an inline step's attempt runs (the execution runs it). */
  private readonly stepDone = new Map<string, () => void>();
  private queries: LocalQueryAnswer[] = [];
  private updates: LocalUpdateAnswer[] = [];

  private readonly body: WorkflowBody;
  private readonly input: unknown;
  private readonly options: LocalRunOptions;
  private readonly clock: VirtualClock;
  private readonly name: string;
  private readonly parentId: string | null;
  private readonly onEnd: (end: RunOutcome) => void;
  /** Every run of this runLocally call by id, for sendEvent. */
  private readonly directory: Map<string, LocalEngine>;

  /** The run this one continued (continueAsNew), or null. */
  private readonly continuedFrom: string | null;

  constructor(body: WorkflowBody, input: unknown, options: LocalRunOptions, clock: VirtualClock, name: string, parentId: string | null, onEnd: (end: RunOutcome) => void = () => {}, directory = new Map<string, LocalEngine>(), continuedFrom: string | null = null) {
    this.id = continuedFrom === null ? `local-${nextLocalId++}` : localSuccessorId(continuedFrom);
    this.continuedFrom = continuedFrom;
    this.body = body;
    this.input = input;
    this.options = options;
    this.clock = clock;
    this.name = name;
    this.parentId = parentId;
    this.onEnd = onEnd;
    this.directory = directory.set(this.id, this);
    this.createdAt = clock.now;
    this.attempts = new AttemptSignals(clock);
    const scripts = new Map(Object.entries(options.scripts ?? {}).map(([path, value]) => [path, asScript(path, value)]));
    const flows = options.flows ?? {};
    this.resolver = { script: (path) => scripts.get(path), isWorkflow: (path) => Object.hasOwn(flows, path) };
  }

  start(): void {
    // Events and cancels go to the run runLocally was given, at their virtual times, in list order.
    if (this.parentId === null && this.continuedFrom === null) {
      // Before the body starts: its first call may be the step a cancel waits for.
      for (const cancel of this.options.cancels ?? []) {
        if ("atStep" in cancel) this.cancelAtStep.push({ key: cancel.atStep, rollback: cancel.rollback === true });
        else this.clock.at(this.createdAt + toSeconds(cancel.after, "runLocally() cancels[].after") * 1000, () => this.cancel(cancel.rollback === true));
      }
    }
    this.rebuild();
    if (this.parentId === null && this.continuedFrom === null) {
      for (const event of this.options.events ?? []) {
        const after = toSeconds(event.after ?? 0, "runLocally() events[].after");
        this.clock.at(this.createdAt + after * 1000, () => this.sendEvent(event.name, event.payload));
      }
      this.queries = scheduleQueries(this.options.queries ?? [], this.clock, this.createdAt, () => this.drive);
      this.updates = scheduleUpdates(this.options.updates ?? [], this.clock, this.createdAt, { drive: () => this.drive, ended: () => this.ended !== undefined, steps: this.steps, deliver: (settled) => this.settled(settled, true) });
    }
  }

  /** An event sent to the run, as POST /api/runs/:id/events/:name does. */
  private sendEvent(name: string, payload: unknown): void {
    this.receive(name, toJson(payload, `the payload of event "${name}"`));
  }

  /** An event another run (or options.events) sent: settles the oldest wait for it, or is kept. */
  receive(name: string, payload: Json | undefined): { deliveredTo: string | null } | "run_not_active" {
    if (this.ended) return "run_not_active";
    const { deliveredTo, settled } = this.machine.sendEvent(name, payload, this.clock.now);
    this.settled(settled, true);
    return { deliveredTo };
  }

  /** A fresh drive execution replaying the whole log, as a run object does after eviction. */
  private rebuild(): void {
    this.drive?.halt();
    if (this.ended) return;
    const execution = new Execution(this.body, this.input, this.steps.log(), this.host, { kind: "drive" }, {
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
    return { resolver: this.resolver, seed: this.id, startedAt: this.createdAt, run: { id: this.id, workflow: this.name, parentId: this.parentId, restartOf: null, attempt: 1, startedAt: this.createdAt } };
  }

  private begin(call: NewCall): void {
    const maxSteps = this.options.maxSteps ?? MAX_RUN_STEPS;
    if (++this.clock.steps > maxSteps) {
      this.clock.fail(new StepLimitError(`the run recorded more than ${maxSteps} steps; raise options.maxSteps if that is intended`));
      this.drive?.halt();
      return;
    }
    // Child ids are the child engines' own, so the flow effect starts the child under the id recorded.
    let child: LocalEngine | undefined;
    const effects = this.machine.begin(call, this.clock.now, () => {
      child = call.flow ? this.makeChild(call.key, call.flow.path, call.flow.input) : undefined;
      return call.kind === "continue" ? localSuccessorId(this.id) : (child?.id ?? `${this.id}-child-${call.key}`);
    });
    if (call.kind === "step") this.clock.track(new Promise<void>((resolve) => this.stepDone.set(attemptId(call.key, call.attempt), resolve)));
    this.apply(effects);
    this.schedule();
    // A cancel waiting for this step: sent once the work the step started is under way.
    for (const [index, wait] of this.cancelAtStep.entries()) {
      if (wait.key !== call.key) continue;
      this.cancelAtStep.splice(index, 1);
      this.clock.at(this.clock.now, () => this.cancel(wait.rollback));
      break;
    }
  }

  /** The body gave up the call at `key`: its step ends cancelled and a task attempt in flight hears its signal abort. */
  private cancelStep(key: string): void {
    const attempt = this.machine.step(key)?.attempts ?? 0;
    this.apply(this.machine.cancelStep(key, this.clock.now));
    this.attempts.cancel(key, attempt);
    this.schedule();
  }

  private finishStep(key: string, attempt: number, outcome: Outcome): Settled | null {
    this.attempts.close(key, attempt);
    this.stepDone.get(attemptId(key, attempt))?.();
    this.stepDone.delete(attemptId(key, attempt));
    const settled = this.machine.finishStep(key, attempt, outcome, this.clock.now);
    this.settled(settled, false);
    // replayEveryStep: the outcome reaches the body through the replay, not the live execution.
    return this.options.replayEveryStep ? null : settled;
  }

  /** Hands what the machine settled to the body: live, or (replayEveryStep) by a replay once things are quiet. */
  private settled(settled: Settled | null, deliver: boolean): void {
    this.schedule();
    if (!settled) return;
    if (this.options.replayEveryStep) this.replayAfterSettle();
    else if (deliver) this.drive?.deliver(settled);
  }

  /** Sets the clock's one wake-up for this run at the machine's next due time. */
  private schedule(): void {
    const next = this.ended ? null : this.machine.nextDue();
    if (next === this.wake?.at) return;
    this.wake?.cancel();
    this.wake = next === null ? undefined : { at: next, cancel: this.clock.at(next, () => this.due()) };
  }

  /** What the clock's time brings, as the run object's alarm does. */
  private due(): void {
    this.wake = undefined;
    if (this.ended) return;
    // A cancelled body still cleaning up at its grace deadline is cut short.
    const grace = this.machine.graceDeadline();
    if (grace !== null && this.clock.now >= grace) return this.end({ status: "cancelled" });
    const { settled, effects } = this.machine.due(this.clock.now);
    for (const outcome of settled) this.settled(outcome, true);
    this.apply(effects);
    this.schedule();
  }

  private apply(effects: RunEffect[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case "dispatch":
          this.clock.at(this.clock.now, () => this.runTask(effect.key, effect.attempt));
          break;
        case "rerun-step":
          if (this.options.replayEveryStep || !this.drive?.rerunStep(effect.key, effect.attempt)) this.rebuild();
          break;
        case "ask":
          askLocally(this.options, this.clock, effect.key, effect.request, (answer) => {
            if (this.ended) return;
            const decided = this.machine.decide(effect.key, answer, this.clock.now);
            this.settled(decided.status === "decided" ? decided.settled : null, true);
          });
          break;
        case "start-child":
          this.startChild(effect.key, effect.childId, effect.input);
          break;
        case "cancel-child":
          this.childById.get(effect.childId)?.cancel();
          break;
        case "send-event":
          // As the run object's signal: after the call was recorded, answered into the send step.
          this.clock.at(this.clock.now, () => this.settled(this.ended ? null : this.machine.sent(effect.key, sendLocally(this.directory.get(effect.runId), effect.runId, effect.name, effect.payload), this.clock.now), true));
          break;
        case "release-slot":
          // Concurrency limits are not modelled in memory: every task runs at once.
          break;
        case "deliver":
          this.settled(effect.settled, true);
          break;
      }
    }
  }

  // --- tasks and steps

  private runTask(key: string, attempt: number): void {
    // In memory the one "consumer" takes the attempt at once and sends no heartbeats: only its timeout bounds it.
    if (this.ended || !this.machine.claim(key, attempt, "local", this.clock.now, false)) return;
    this.clock.track(
      this.attemptOutcome(key, attempt).then((outcome) => {
        this.attempts.close(key, attempt);
        if (!outcome || this.ended) return;
        const { settled, effects } = this.machine.report(key, attempt, outcome, this.clock.now);
        this.apply(effects);
        this.settled(settled, true);
      }),
    );
  }

  /**
   * Runs one attempt's closure the way a consumer reaches it: a script by path; any
   * other task from a long-lived mirror of the run, or (replayEveryStep) by replaying
   * the log to it, so closure state never carries over from one attempt to the next.
   */
  private async attemptOutcome(key: string, attempt: number): Promise<Outcome | null> {
    const step = this.machine.step(key);
    if (!step) return null;
    // The timeout runs on the virtual clock; a hung attempt meets it once the clock moves on.
    const timeout = this.attempts.open(key, attempt, step.options?.timeout ?? DEFAULT_TASK_OPTIONS.timeout);
    if (step.script) {
      const found = this.resolver.script(step.script.path);
      const args = step.script.args;
      if (!found) return { ok: false, error: toErrorData(new ScriptNotFoundError(`no script "${step.script.path}" in options.scripts`)) };
      return runClosure((context) => found.run(args, context), key, attempt, undefined, timeout);
    }
    const log = (since = 0) => this.steps.log(since);
    if (this.options.replayEveryStep) return runTaskByReplay(this.body, this.input, log(), key, attempt, this.replayOptions(), timeout);
    if (!this.mirror) this.mirror = new RunMirror(this.body, this.input, log(), this.steps.cursor, this.replayOptions());
    else this.mirror.absorb(log(this.mirror.cursor), this.steps.cursor);
    return (await this.mirror.run(key, attempt, timeout)) ?? runTaskByReplay(this.body, this.input, log(), key, attempt, this.replayOptions(), timeout);
  }

  // --- flows

  /** A child engine for a flow whose target is a workflow; undefined when it is a function. */
  private makeChild(key: string, path: string, input: Json | undefined): LocalEngine | undefined {
    const target = this.options.flows?.[path];
    if (!isWorkflow(target)) return undefined;
    const child = new LocalEngine(target.run as WorkflowBody, input, this.options, this.clock, path, this.id, (end) => {
      const settled = this.ended ? null : this.machine.childEnded(key, child.id, end, this.clock.now);
      this.settled(settled, true);
    }, this.directory);
    this.children.push(child);
    this.childById.set(child.id, child);
    return child;
  }

  private startChild(key: string, childId: string, input: Json | undefined): void {
    const child = this.childById.get(childId);
    if (child) {
      this.clock.at(this.clock.now, () => child.start());
      return;
    }
    const path = this.machine.step(key)?.flow?.workflow ?? "";
    const fn = this.options.flows?.[path] as ((input: unknown) => unknown) | undefined;
    this.clock.track(
      (async () => {
        let outcome: Outcome;
        try {
          outcome = { ok: true, value: (await fn?.(input)) as Json | undefined };
        } catch (error) {
          outcome = { ok: false, error: toErrorData(error) };
        }
        this.settled(this.ended ? null : this.machine.childEnded(key, childId, outcome.ok ? { status: "completed", output: outcome.value } : { status: "failed", error: outcome.error }, this.clock.now), true);
      })(),
    );
  }

  /**
   * Cancels the run as the run object does: recorded in the log and delivered to the
   * body, which may clean up (`rollback`: and run its rollbacks); the run ends cancelled
   * when the body ends. A second cancel ends it (and its children) at once.
   */
  cancel(rollback = false): void {
    // A chain's cancel goes to its current run.
    if (this.ended) return this.successor?.cancel(rollback);
    const settled = this.machine.recordCancel(this.clock.now, rollback);
    if (settled) return this.settled(settled, true);
    this.drive?.halt();
    this.end({ status: "cancelled" });
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
    this.apply(this.machine.end(this.clock.now));
    this.schedule();
    // Continued: the successor takes over the parent's wait (onEnd) with a fresh log, on the same clock.
    if (end.status !== "continued") return this.onEnd(end);
    const successor = new LocalEngine(this.body, end.input, this.options, this.clock, this.name, this.parentId, this.onEnd, this.directory, this.id);
    this.successor = successor;
    // A cancel waiting for a step the run never reached waits for it in the successor.
    successor.cancelAtStep.push(...this.cancelAtStep.splice(0));
    this.clock.at(this.clock.now, () => successor.start());
  }

  /** What the run waits for, for a stuck run's error. */
  describeWaiting(): string {
    const open = this.steps.open().map((step) => `${step.kind} "${step.key}" (${step.status})`);
    const children = this.children.filter((child) => !child.ended).map((child) => `child ${child.id} (${child.describeWaiting()})`);
    const parts = [...open, ...children];
    return parts.length > 0 ? parts.join(", ") : "no open step: the workflow awaits a promise that is not a Baton primitive";
  }

  view(): LocalRun {
    return localView({ id: this.id, workflow: this.name, parentId: this.parentId, input: this.input, end: this.ended, createdAt: this.createdAt, updatedAt: this.endedAt ?? this.clock.now, steps: this.steps, childIds: this.childById, children: this.children.map((child) => chainView(child)), state: this.drive && publishedOf(this.drive).json, queries: this.queries, updates: this.updates, continuedFrom: this.continuedFrom, continuedAs: this.successor?.id ?? null });
  }
}
