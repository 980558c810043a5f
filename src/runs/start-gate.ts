// Starts with flow control (debounce, singleton), serialised per (workflow, key). The
// gate is a run object too, one named from the option, the workflow and the key
// (`gateName`), which holds no run: only the `start_gate` row naming the key's current
// run. Every start with the key passes through that one object, one at a time, so two
// starts at once never make two runs. A layer of the run object (no new Durable Object
// class: no migration for anyone); the other half, a pending run's `postpone`, is here too.
//
// The gate writes its row before it creates the run it names: a crash between leaves a
// row naming no run, which the next start takes as "no run", so nothing is lost and no
// run is made twice.

import type { SchemaIssue } from "baton-workflows";
import { isTerminal, type Json } from "baton-workflows/engine";
import { num, text } from "./rows.ts";
import { Pausable } from "./pausing.ts";
import { isPending } from "./pending-start.ts";
import type { RunSummary } from "./run-view.ts";
import { summaryOf } from "./run-views.ts";

/** What a gated start asks of its gate: the workflow, the checked input, and the one option (periods in ms). */
export interface GateRequest {
  gate: string;
  workflow: string;
  input: Json | undefined;
  flow: { kind: "debounce"; periodMs: number; maxDelayMs: number | null } | { kind: "singleton"; mode: "skip" | "cancel-previous" };
  origin: string | null;
  traceparent: string | null;
}

/** What the gate answers: the run and what the option did, or the input's schema issues (nothing changed). */
export type GateAnswer = { created: boolean; run: GatedRun; invalid?: undefined } | { created: false; invalid: SchemaIssue[] };

/** The run a gated start reached, and what its option did (StartAnswer of the API). */
export type GatedRun = RunSummary & { debounced?: boolean; singleton?: "started" | "skipped" | "cancelled-previous"; previousId?: string };

/** What `postpone` answers: the pending run with its new input and start, or that it has begun (or is gone) and a new run must open. */
export type PostponeResult = { status: "postponed"; run: RunSummary } | { status: "begun" };

/** The gate object's name for an option's key of a workflow: no run id has a ":" or a "[", so no run shares it. */
export function gateName(kind: "debounce" | "singleton", workflow: string, key: string): string {
  return `start-gate:${JSON.stringify([kind, workflow, key])}`;
}

/** When a debounced run begins: `period` after the latest start, but no later than `maxDelay` after the window's first. */
export function debouncedStart(now: number, periodMs: number, maxDelayMs: number | null, openedAt: number): number {
  return maxDelayMs === null ? now + periodMs : Math.max(now, Math.min(now + periodMs, openedAt + maxDelayMs));
}

/** The run object's gate for flow-controlled starts, and a pending run's postponement. */
export abstract class StartGates extends Pausable {
  /** Gated starts waiting their turn here, one at a time. */
  private gateTurn: Promise<unknown> = Promise.resolve();

  /** A start with a debounce or singleton option, passed through this gate after the ones before it. */
  async gate(request: GateRequest): Promise<GateAnswer> {
    const turn = this.gateTurn.then(() => this.pass(request));
    this.gateTurn = turn.catch(() => undefined);
    return turn;
  }

  /**
   * The pending (debounced) run takes a later start's input and start time. A run whose
   * start time has passed begins now instead (its alarm may not have fired yet): the
   * start that asked opens a new run.
   */
  async postpone(request: { workflow: string; input: Json | undefined; startsAt: number }): Promise<PostponeResult> {
    const run = this.store.run();
    if (!run || run.workflow !== request.workflow) return { status: "begun" };
    const now = Date.now();
    if (!isPending(run, now)) {
      if (run.status === "queued") this.ensureExecution();
      this.afterEvent();
      return { status: "begun" };
    }
    this.store.postpone(request.input, request.startsAt, now);
    this.afterEvent();
    await this.index.caughtUp();
    return { status: "postponed", run: summaryOf(this.store, this.requireRun()) };
  }

  private async pass(request: GateRequest): Promise<GateAnswer> {
    const held = this.gateRow(request.gate);
    const { flow } = request;
    let previousId: string | undefined;
    if (held && flow.kind === "debounce") {
      const startsAt = debouncedStart(Date.now(), flow.periodMs, flow.maxDelayMs, held.openedAt);
      const postponed = await this.runStub(held.runId).postpone({ workflow: request.workflow, input: request.input, startsAt });
      if (postponed.status === "postponed") return { created: false, run: { ...postponed.run, debounced: true } };
    }
    if (held && flow.kind === "singleton") {
      const stub = this.runStub(held.runId);
      const active = await stub.summary();
      if (active && !isTerminal(active.status)) {
        if (flow.mode === "skip") return { created: false, run: { ...active, singleton: "skipped" } };
        const cancelled = await stub.cancel();
        if (cancelled.status === "cancelled") previousId = held.runId;
      }
    }
    // A new run for the key: named in the row first (see the top of the file). The clock read again: the calls above took time.
    const id = crypto.randomUUID();
    const opened = Date.now();
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO start_gate (name, run_id, opened_at) VALUES (?, ?, ?)", request.gate, id, opened);
    const startsAt = flow.kind === "debounce" ? debouncedStart(opened, flow.periodMs, flow.maxDelayMs, opened) : null;
    const started = await this.runStub(id).start({ id, workflow: request.workflow, input: request.input, idempotencyKey: null, origin: request.origin, traceparent: request.traceparent, startsAt });
    if (started.invalid) return { created: false, invalid: started.invalid };
    if (flow.kind === "debounce") return { created: started.created, run: { ...started.run, debounced: false } };
    return { created: started.created, run: { ...started.run, ...(previousId === undefined ? { singleton: "started" } : { singleton: "cancelled-previous", previousId }) } };
  }

  /** The run the gate's key names now, and when its window opened; undefined before the first start. */
  private gateRow(name: string): { runId: string; openedAt: number } | undefined {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS start_gate (name TEXT PRIMARY KEY, run_id TEXT NOT NULL, opened_at INTEGER NOT NULL)");
    const row = sql.exec("SELECT run_id, opened_at FROM start_gate WHERE name = ?", name).toArray()[0];
    return row ? { runId: text(row, "run_id"), openedAt: num(row, "opened_at") } : undefined;
  }

  private runStub(id: string) {
    return this.env.RUNS.get(this.env.RUNS.idFromName(id));
  }
}
