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
import { queryRun } from "./api/queries.ts";
import { updateAndWait } from "./api/updates.ts";
import { runOutput } from "./api/kept-value-routes.ts";
import { bindingsOf } from "./bindings.ts";
import type { Env } from "./env.ts";
import type { CodeStartOptions, InputOf, OutputOf, StartedRun, StartManyItem, TypedRunDetail, WorkflowMap, WorkflowName } from "./worker.ts";
import { codeStartOptions, startedRun } from "./api/code-starts.ts";

/** What a caller's binding to BatonService offers, typed by the host's workflow map: declare `BATON: TypedBatonService<typeof workflows>`. */
export interface TypedBatonService<W extends WorkflowMap> {
  start<N extends WorkflowName<W>>(name: N, input: InputOf<W[N]>, options?: CodeStartOptions): Promise<StartedRun>;
  startMany(items: readonly StartManyItem<W>[], options?: { traceparent?: string }): Promise<BatchStartAnswer[]>;
  get<N extends WorkflowName<W> = WorkflowName<W>>(id: string): Promise<TypedRunDetail<OutputOf<W[N]>>>;
  output<N extends WorkflowName<W> = WorkflowName<W>>(id: string): Promise<OutputOf<W[N]>>;
  sendEvent(id: string, name: string, payload?: unknown, options?: { idempotencyKey?: string }): Promise<EventSentView>;
  decide(id: string, key: string, decision: { approved: boolean; comment?: string; by?: string }): Promise<DecisionView>;
  cancel(id: string, options?: { rollback?: boolean }): Promise<RunSummary>;
  pause(id: string): Promise<RunSummary>;
  resume(id: string): Promise<RunSummary>;
  events(id: string, options?: { after?: number; limit?: number }): Promise<EventPage>;
  query<R = unknown>(id: string, name: string, arg?: unknown): Promise<R>;
  update<R = unknown>(id: string, name: string, arg?: unknown, options?: { idempotencyKey?: string }): Promise<R>;
}

/** Baton's run operations as a WorkerEntrypoint, for other Workers' service bindings. */
export class BatonService extends WorkerEntrypoint<Env> {
  /** Starts a run of workflow `name` with `input`; a repeated id or Idempotency-Key answers the run it named. */
  async start(name: string, input?: unknown, options: CodeStartOptions = {}): Promise<StartedRun> {
    return crossing(async () => {
      const { created, run } = await startRun(bindingsOf(this.env), name, input, codeStartOptions(options));
      return startedRun(created, run);
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

  /** Cancels a run; `rollback`: its completed steps' rollbacks run first. */
  async cancel(id: string, options?: { rollback?: boolean }): Promise<RunSummary> {
    return crossing(() => cancelRun(bindingsOf(this.env), id, options));
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

  /** Answers the query `name` the run's body defined (defineQuery) with `arg`; resolves to the handler's result (JSON). */
  async query(id: string, name: string, arg?: unknown): Promise<unknown> {
    return crossing(async () => (await queryRun(bindingsOf(this.env), id, name, arg)).result);
  }

  /** Sends the update `name` the run's body defined (defineUpdate) with `arg`; resolves to the handler's result (JSON) once it ran. */
  async update(id: string, name: string, arg?: unknown, options: { idempotencyKey?: string } = {}): Promise<unknown> {
    return crossing(() => updateAndWait(bindingsOf(this.env), id, name, arg, options.idempotencyKey ?? null));
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
