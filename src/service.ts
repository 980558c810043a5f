// BatonService: Baton for other Workers over a service binding. Bind it with
// `{ binding: "BATON", service: "<the hosting Worker>", entrypoint: "BatonService" }`
// and call `await env.BATON.start("hello", { name: "Ada" })`. The same checks, errors and
// idempotency as the HTTP API; an error crosses the binding as an Error whose message
// starts with its stable code ("run_not_found: …").

import { WorkerEntrypoint } from "cloudflare:workers";
import type { BatchStartAnswer, DecisionView, EventSentView, RunDetail, RunSummary } from "baton-workflows/client";
import { startMany } from "./api/batch-starts.ts";
import { ApiError } from "./api/api-error.ts";
import { cancelRun, decideRun, getRun, pauseOrResumeRun, runEventPage, sendRunEvent, startRun } from "./api/run-actions.ts";
import type { EventPage } from "./runs/observing.ts";
import { runOutput } from "./api/kept-value-routes.ts";
import { bindingsOf } from "./bindings.ts";
import type { Env } from "./env.ts";
import type { CodeStartOptions, InputOf, OutputOf, StartedRun, StartManyItem, TypedRunDetail, WorkflowMap, WorkflowName } from "./worker.ts";

/** What a caller's binding to BatonService offers, typed by the host's workflow map: declare `BATON: TypedBatonService<typeof workflows>`. */
export interface TypedBatonService<W extends WorkflowMap> {
  start<N extends WorkflowName<W>>(name: N, input: InputOf<W[N]>, options?: CodeStartOptions): Promise<StartedRun>;
  startMany(items: readonly StartManyItem<W>[], options?: { traceparent?: string }): Promise<BatchStartAnswer[]>;
  get<N extends WorkflowName<W> = WorkflowName<W>>(id: string): Promise<TypedRunDetail<OutputOf<W[N]>>>;
  output<N extends WorkflowName<W> = WorkflowName<W>>(id: string): Promise<OutputOf<W[N]>>;
  sendEvent(id: string, name: string, payload?: unknown, options?: { idempotencyKey?: string }): Promise<EventSentView>;
  decide(id: string, key: string, decision: { approved: boolean; comment?: string; by?: string }): Promise<DecisionView>;
  cancel(id: string): Promise<RunSummary>;
  pause(id: string): Promise<RunSummary>;
  resume(id: string): Promise<RunSummary>;
  events(id: string, options?: { after?: number; limit?: number }): Promise<EventPage>;
}

/** Baton's run operations as a WorkerEntrypoint, for other Workers' service bindings. */
export class BatonService extends WorkerEntrypoint<Env> {
  /** Starts a run of workflow `name` with `input`; a repeated id or Idempotency-Key answers the run it named. */
  async start(name: string, input?: unknown, options: CodeStartOptions = {}): Promise<StartedRun> {
    return crossing(async () => {
      const { created, run } = await startRun(bindingsOf(this.env), name, input, { id: options.id, idempotencyKey: options.idempotencyKey ?? null, traceparent: options.traceparent ?? null });
      return { id: run.id, status: run.status, created };
    });
  }

  /** Starts up to 1,000 runs, one answer per item in order; an item's error is in its answer (only a batch that is not 1 to 1,000 items throws). */
  async startMany(items: readonly unknown[], options: { traceparent?: string } = {}): Promise<BatchStartAnswer[]> {
    return crossing(() => startMany(bindingsOf(this.env), items, { traceparent: options.traceparent ?? null }, true));
  }

  /** The run with its steps, approvals, input and outcome. */
  async get(id: string): Promise<RunDetail> {
    return crossing(() => getRun(bindingsOf(this.env), id));
  }

  /** A completed run's output, however large (its detail shows `outputRef` instead of one kept in BATON_PAYLOADS). */
  async output(id: string): Promise<unknown> {
    return crossing(() => runOutput(bindingsOf(this.env), id));
  }

  /** Sends the event `name` to a run; with an idempotencyKey a retry delivers nothing twice. */
  async sendEvent(id: string, name: string, payload?: unknown, options: { idempotencyKey?: string } = {}): Promise<EventSentView> {
    return crossing(() => sendRunEvent(bindingsOf(this.env), id, name, payload, options.idempotencyKey ?? null));
  }

  /** Decides the approval at `key` of a run. */
  async decide(id: string, key: string, decision: { approved: boolean; comment?: string; by?: string }): Promise<DecisionView> {
    return crossing(() => decideRun(bindingsOf(this.env), id, key, decision));
  }

  /** Cancels a run. */
  async cancel(id: string): Promise<RunSummary> {
    return crossing(() => cancelRun(bindingsOf(this.env), id));
  }

  /** Pauses a run: it starts no new attempt and fires no timer until resumed. */
  async pause(id: string): Promise<RunSummary> {
    return crossing(() => pauseOrResumeRun(bindingsOf(this.env), id, "pause"));
  }

  /** Resumes a paused run. */
  async resume(id: string): Promise<RunSummary> {
    return crossing(() => pauseOrResumeRun(bindingsOf(this.env), id, "resume"));
  }

  /** A page of a run's events after the event id `after` (default 0: from the first). */
  async events(id: string, options: { after?: number; limit?: number } = {}): Promise<EventPage> {
    return crossing(() => runEventPage(bindingsOf(this.env), id, options.after, options.limit));
  }
}

/** Runs `call`; an API error crosses RPC (which keeps only an error's message) with its code in front. */
async function crossing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw new Error(`${error.code}: ${error.message}`);
    throw error;
  }
}
