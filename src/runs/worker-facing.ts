// The run object's side of the worker protocol (DESIGN.md, "Workers you run"): what a
// worker you run is handed for an activation of the run's body or one task attempt,
// and the body's commands it answers with, applied by the same machine that applies a
// TypeScript body's calls. The WorkQueue's claim has already been checked by the
// route; here the run decides what is still wanted, so a late or repeated answer
// changes nothing.

import { DEFAULT_TASK_OPTIONS, isTerminal, type ErrorData, type NewCall, type Outcome } from "baton-workflows/engine";
import type { ActivationContext, RemoteTask, WorkerCommand } from "../api/worker-schemas.ts";

import { LOG_PAGE_BYTES } from "./limits.ts";
import { registry } from "../registry.ts";
import { remoteCatalog, scriptQueue } from "../remote/remote-catalog.ts";
import { RunHost } from "./run-host.ts";
import { isPending } from "./pending-start.ts";
import { runFacts } from "./run-messages.ts";
import type { RunRow } from "./run-store.ts";

/** The run object's RPC methods for workers you run. */
export abstract class WorkerFacing extends RunHost {
  /**
   * The context of an activation of this run's body (JSON text), or null when no worker
   * should run it (ended, or not a worker's body). With `known` (a cursor this run gave
   * the worker before) the log holds only the entries changed after it.
   */
  async activation(known?: string): Promise<string | null> {
    const run = this.store.run();
    // A debounced run before its start has no body to run yet (its start asks for an activation).
    if (!run || isTerminal(run.status) || !run.bodyQueue || isPending(run, Date.now())) return null;
    // A worker took the body: the run is running from here.
    if (run.status === "queued") {
      this.store.setStatus("running", Date.now());
      this.afterEvent();
    }
    return JSON.stringify(this.activationOf(this.requireRun(), this.sinceOf(known)));
  }

  /** The next page of a worker's log from `cursor` (one this run gave out) as JSON text `{log, logCursor, cursor}`; null when the run ended or the cursor is not this run's. */
  async activationLog(cursor: string): Promise<string | null> {
    const run = this.store.run();
    const since = this.sinceOf(cursor);
    if (!run || isTerminal(run.status) || since === 0) return null;
    const page = this.store.steps.logPage(since, LOG_PAGE_BYTES);
    const next = this.cursorOf(page.cursor);
    return JSON.stringify({ log: page.log, logCursor: page.more ? next : null, cursor: next });
  }

  /**
   * Claims attempt `attempt` of the task at `key` for `claim` and answers what the
   * worker needs to run it (JSON text of RemoteTask); null when it is not wanted (it
   * settled, moved on, another claim holds it, or the run ended).
   */
  async remoteTask(key: string, attempt: number, claim: string): Promise<string | null> {
    const run = this.store.run();
    if (!run || isTerminal(run.status)) return null;
    const now = Date.now();
    const step = this.machine.claimed(key, attempt, claim, now, true);
    if (!step) return null;
    this.afterEvent();
    const options = step.options ?? DEFAULT_TASK_OPTIONS;
    const task: RemoteTask = {
      runId: run.id,
      key,
      name: step.name,
      attempt,
      deadline: now + options.timeout * 1000,
      script: step.script ? { path: step.script.path, args: step.script.args ?? null } : null,
      // A closure of the body: the worker replays the run to it.
      activation: step.script ? null : this.activationOf(run),
    };
    return JSON.stringify(task);
  }

  /** Applies an activation's commands in order; accepted when any changed the run (a repeat or a stale answer changes nothing). */
  async workerCommands(text: string): Promise<{ accepted: boolean }> {
    const run = this.store.run();
    if (!run || isTerminal(run.status) || !run.bodyQueue) return { accepted: false };
    const commands = JSON.parse(text) as WorkerCommand[];
    let changed = false;
    for (const command of commands) {
      if (isTerminal(this.requireRun().status)) break;
      changed = this.applyCommand(command) || changed;
    }
    if (changed) this.afterEvent();
    return { accepted: changed };
  }

  /** Asks the body's workers for an activation of this run (one waits at a time; the queue keeps one per run). */
  protected wantActivation(): void {
    const run = this.requireRun();
    if (!run.bodyQueue || isTerminal(run.status) || run.status === "paused") return;
    const target = `queue:${run.bodyQueue}`;
    const body = { id: `act:${run.id}`, kind: "activation" as const, runId: run.id };
    if (!this.store.signals.waiting("enqueue_work", target, body)) this.store.signals.queue({ kind: "enqueue_work", target, body }, Date.now());
    this.scheduleFlush();
  }

  /** The worker queue the task at `key` goes to: its queue option's, its script's worker's, or the body's when a worker runs the body; null for the Worker's own queues. */
  protected remoteQueueOf(key: string): string | null {
    const step = this.machine.step(key);
    if (step?.options?.queue) return step.options.queue;
    if (step?.script) return scriptQueue(registry, this.remote, step.script.path);
    return this.store.run()?.bodyQueue ?? null;
  }

  /** Reads again what workers serve (remembered a few seconds per isolate). */
  protected async refreshRemote(): Promise<void> {
    this.remote = await remoteCatalog(this.env);
  }

  private applyCommand(command: WorkerCommand): boolean {
    const now = Date.now();
    switch (command.kind) {
      case "call": {
        const call = command.call as NewCall;
        const recorded = this.machine.step(call.key);
        // Recorded already: only an inline step's next attempt (after its retry wait, or a cut-off) is new.
        if (recorded && !(recorded.kind === "step" && call.kind === "step" && recorded.status === "running" && call.attempt === recorded.attempts + 1)) return false;
        this.begin(call);
        return true;
      }
      case "step_result": {
        const outcome = command.outcome as Outcome;
        const step = this.machine.step(command.key);
        if (!step || step.kind !== "step" || step.status !== "running" || step.attempts !== command.attempt) return false;
        const settled = this.finishStep(command.key, command.attempt, outcome);
        if (settled) this.deliver([settled]);
        return true;
      }
      case "complete":
        this.endRun({ status: "completed", output: command.output as never }, now);
        this.scheduleFlush();
        return true;
      case "fail":
        // Validated by the route as ErrorData's shape; its fields are JSON parsed from the request.
        this.endRun({ status: "failed", error: command.error as ErrorData }, now);
        this.scheduleFlush();
        return true;
    }
  }

  /** A cursor as this run gives it out: bound to the run's incarnation, so a new run under the same id honours none of an old one's. */
  private cursorOf(seq: number): string {
    return `${this.requireRun().incarnation ?? "-"}:${seq}`;
  }

  /** The change number a cursor this run gave out stands for; 0 (the whole log) for any other. */
  private sinceOf(cursor: string | undefined): number {
    const match = cursor === undefined ? null : /^([^:]+):(\d{1,15})$/.exec(cursor);
    const seq = match ? Number(match[2]) : 0;
    return match && match[1] === (this.requireRun().incarnation ?? "-") && seq <= this.store.steps.cursor() ? seq : 0;
  }

  private activationOf(run: RunRow, since = 0): ActivationContext {
    const page = this.store.steps.logPage(since, LOG_PAGE_BYTES);
    return {
      runId: run.id,
      workflow: run.workflow,
      version: run.version,
      input: run.input ?? null,
      seed: run.id,
      startedAt: runFacts(run).startedAt,
      codeChange: null,
      log: page.log,
      since: since === 0 ? "0" : this.cursorOf(since),
      cursor: this.cursorOf(page.cursor),
      logCursor: page.more ? this.cursorOf(page.cursor) : null,
    };
  }
}
