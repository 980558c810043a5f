// `baton-workflows/worker`: everything a Worker needs to host Baton. createBaton() takes
// the workflows by import and answers the Worker's handlers (fetch, queue, scheduled),
// the Hono app to mount in the host's own router, and typed start/get/sendEvent/decide/
// cancel for the host's own code. The Durable Object classes and BatonService (for
// service bindings) are named exports the host re-exports from its entry module.

import type { Hono } from "hono";
import type { Script, Workflow } from "baton-workflows";
import type { BatchStartAnswer, DebounceOption, DecisionView, EventSentView, RunDetail, RunStatus, RunSummary, SingletonOption, StartAnswer } from "baton-workflows/client";
import { startMany } from "./api/batch-starts.ts";
import { createApp } from "./api/app.ts";
import { cancelRun, decideRun, getRun, pauseOrResumeRun, runEventPage, sendRunEvent, startRun } from "./api/run-actions.ts";
import { queryRun } from "./api/queries.ts";
import { codeStartOptions, startedRun } from "./api/code-starts.ts";
import { updateAndWait } from "./api/updates.ts";
import type { EventPage } from "./runs/observing.ts";
import { runOutput } from "./api/kept-value-routes.ts";
import { bindingsOf } from "./bindings.ts";
import type { Env } from "./env.ts";
import { setBasePath } from "./host.ts";
import { registry, type BuildFailure } from "./registry.ts";
import { runDueSchedules } from "./schedules/ticks.ts";
import { consumeDeadTasks, consumeTasks, DEAD_LETTER_QUEUE } from "./tasks/queue-consumer.ts";

export { RunIndex } from "./run-list/run-index.ts";
export { RunObject } from "./runs/run-object.ts";
export { TaskCache } from "./tasks/task-cache.ts";
export { ConcurrencyLimiter } from "./tasks/concurrency-limiter.ts";
export { Scheduler } from "./schedules/scheduler.ts";
export { AccessGuard } from "./api/access-guard.ts";
export { WorkQueue } from "./remote/work-queue.ts";
export { WorkerDirectory } from "./remote/worker-directory.ts";
export { BatonService, type TypedBatonService } from "./service.ts";
export { ApiError as BatonRequestError, type ApiErrorCode as BatonRequestErrorCode } from "./api/api-error.ts";
export type { Env as BatonEnv } from "./env.ts";

/** A name → workflow() or script() map, as the host imports its workflows. */
export type WorkflowMap = Readonly<Record<string, Workflow<never, unknown> | Script<never, unknown>>>;

/** The names in `W` that are workflows (scripts are run by path, as tasks). */
export type WorkflowName<W> = { [K in keyof W]: W[K] extends Workflow<never, unknown> ? K : never }[keyof W] & string;
/** What a run of `T` takes as input. */
export type InputOf<T> = T extends Workflow<infer I, unknown> ? I : T extends Script<infer A, unknown> ? A : unknown;
/** What a run of `T` ends with. */
export type OutputOf<T> = T extends Workflow<never, infer O> ? O : T extends Script<never, infer R> ? R : unknown;

/** How createBaton() hosts the workflows. */
export interface BatonOptions<W extends WorkflowMap> {
  /** Every workflow and script, by the name runs start it under (`{ hello, "etl/nightly": nightly }`); `npx baton build` writes one from workflows/. */
  workflows: W;
  /** Scripts by path that are not in `workflows`: companions in `<name>__mod/` folders; entries that are not script() values are left out (helpers). */
  scripts?: Readonly<Record<string, unknown>>;
  /** Files `npx baton build` left out because they do not build (where and why): requests for them answer 503 workflow_build_failed. */
  broken?: Readonly<Record<string, BuildFailure>>;
  /** Versions by name, as `npx baton build` writes them (a hash of each file and its companion folder); default: a hash of each body's source. */
  versions?: Readonly<Record<string, string>>;
  /** Where the API, console and approval pages live, e.g. "/baton"; every other path stays the host's. Default: the Worker's root. */
  basePath?: string;
}

/** How a run started from code is named: by an id of the caller's, or an Idempotency-Key (the same key reaches the same run). */
export interface CodeStartOptions {
  id?: string;
  idempotencyKey?: string;
  /** The caller's W3C traceparent: the run's trace joins the caller's (a malformed one is ignored). */
  traceparent?: string;
  /** Trailing debounce by key, as POST /api/runs's `debounce` (not with id or idempotencyKey). */
  debounce?: DebounceOption;
  /** At most one active run per key, as POST /api/runs's `singleton` (not with id or idempotencyKey). */
  singleton?: SingletonOption;
}

/** One start of startMany: a workflow, its input, and an idempotencyKey or id (not both), as start() takes them. */
export type StartManyItem<W extends WorkflowMap = WorkflowMap> = {
  [N in WorkflowName<W>]: { workflow: N; input?: InputOf<W[N]>; idempotencyKey?: string; id?: string; debounce?: DebounceOption; singleton?: SingletonOption };
}[WorkflowName<W>];

export type { BatchStartAnswer, BatchStarted, BatchRefused } from "baton-workflows/client";

/** A run a start made (or found, for a repeated id or key). */
export interface StartedRun {
  id: string;
  status: RunStatus;
  /** False when the id or key named a run started before, or a debounce or singleton option reached one. */
  created: boolean;
  /** What a debounce or singleton option did, as POST /api/runs answers it (StartAnswer). */
  debounced?: boolean;
  singleton?: StartAnswer["singleton"];
  previousId?: string;
  /** A debounced run not yet begun: when it begins. */
  startsAt?: string;
}

/** A run's detail with its output typed as the workflow's. */
export type TypedRunDetail<O> = Omit<RunDetail, "output"> & { output: O | null };

/** Baton, hosted: the Worker's handlers, the app to mount, and the run operations for the host's code. */
export interface Baton<W extends WorkflowMap> {
  /** Answers Baton's paths (the API, console and approval pages, under the base path); a 404 for any other. */
  fetch(request: Request, env: unknown, ctx: ExecutionContext): Response | Promise<Response>;
  /** Runs task messages (and fails those the dead-letter queue hands over). */
  queue(batch: MessageBatch<unknown>, env: unknown): Promise<void>;
  /** Starts the runs of scheduled workflows that are due (the every-minute cron trigger). */
  scheduled(controller: ScheduledController, env: unknown): Promise<void>;
  /** The Hono app serving Baton's paths, to mount in the host's own Hono router (`app.route("/", baton.app)`). */
  readonly app: Hono<{ Bindings: Env }>;
  /** Starts a run of `name` with `input`, with the API's checks; a repeated id or key answers the run it named. */
  start<N extends WorkflowName<W>>(env: unknown, name: N, input: InputOf<W[N]>, options?: CodeStartOptions): Promise<StartedRun>;
  /**
   * Starts up to 1,000 runs, each with start()'s checks and idempotency, and answers one per item in order:
   * `{status: 201 | 200, run}`, or `{status, error: {code, message}}` for an item that started nothing (errors are data, not thrown;
   * only a batch that is not 1 to 1,000 items throws). `traceparent` applies to every item.
   */
  startMany(env: unknown, items: readonly StartManyItem<W>[], options?: { traceparent?: string }): Promise<BatchStartAnswer[]>;
  /** The run with its steps, approvals, input and outcome (its output typed as workflow `N`'s, if named). */
  get<N extends WorkflowName<W> = WorkflowName<W>>(env: unknown, id: string): Promise<TypedRunDetail<OutputOf<W[N]>>>;
  /** A completed run's output, however large (its detail shows `outputRef` instead of one kept in BATON_PAYLOADS); 409 run_not_completed before. */
  output<N extends WorkflowName<W> = WorkflowName<W>>(env: unknown, id: string): Promise<OutputOf<W[N]>>;
  /** Sends the event `name` to a run; with an idempotencyKey a retry delivers nothing twice. */
  sendEvent(env: unknown, id: string, name: string, payload?: unknown, options?: { idempotencyKey?: string }): Promise<EventSentView>;
  /** Decides the approval at `key` of a run. */
  decide(env: unknown, id: string, key: string, decision: { approved: boolean; comment?: string; by?: string }): Promise<DecisionView>;
  /** Cancels a run; `rollback`: its completed steps' rollbacks run first. */
  cancel(env: unknown, id: string, options?: { rollback?: boolean }): Promise<RunSummary>;
  /** Pauses a run: it starts no new attempt and fires no timer until resumed. */
  pause(env: unknown, id: string): Promise<RunSummary>;
  /** Resumes a paused run. */
  resume(env: unknown, id: string): Promise<RunSummary>;
  /** A page of a run's events after the event id `after` (default 0: from the first). */
  events(env: unknown, id: string, options?: { after?: number; limit?: number }): Promise<EventPage>;
  /** Answers the query `name` the run's body defined (defineQuery) with `arg`, from its current state; resolves to the handler's result. */
  query<R = unknown>(env: unknown, id: string, name: string, arg?: unknown): Promise<R>;
  /** Sends the update `name` the run's body defined (defineUpdate) with `arg`; resolves to the handler's result once it ran. */
  update<R = unknown>(env: unknown, id: string, name: string, arg?: unknown, options?: { idempotencyKey?: string }): Promise<R>;
}

/** Hosts Baton in this Worker with these workflows (one Baton per Worker). */
export function createBaton<const W extends WorkflowMap>(options: BatonOptions<W>): Baton<W> {
  setBasePath(options.basePath);
  registry.addMap(options.workflows, options.versions);
  if (options.scripts) registry.addMap(options.scripts, options.versions, true);
  if (options.broken) registry.addBroken(options.broken);
  const app = createApp();
  return {
    fetch: (request, env, ctx) => app.fetch(request, bindingsOf(env), ctx),
    queue: async (batch, env) => {
      const bindings = bindingsOf(env);
      await (batch.queue === DEAD_LETTER_QUEUE ? consumeDeadTasks(batch, bindings) : consumeTasks(batch, bindings));
    },
    scheduled: async (controller, env) => {
      await runDueSchedules(controller.scheduledTime, bindingsOf(env));
    },
    app,
    async start(env, name, input, start = {}) {
      const { created, run } = await startRun(bindingsOf(env), name, input, codeStartOptions(start));
      return startedRun(created, run);
    },
    startMany: (env, items, many = {}) => startMany(bindingsOf(env), items, { traceparent: many.traceparent ?? null }, true),
    get: async (env, id) => (await getRun(bindingsOf(env), id)) as TypedRunDetail<never>,
    output: async (env, id) => (await runOutput(bindingsOf(env), id)) as never,
    sendEvent: (env, id, name, payload, send = {}) => sendRunEvent(bindingsOf(env), id, name, payload, send.idempotencyKey ?? null),
    decide: (env, id, key, decision) => decideRun(bindingsOf(env), id, key, decision),
    cancel: (env, id, options) => cancelRun(bindingsOf(env), id, options),
    pause: (env, id) => pauseOrResumeRun(bindingsOf(env), id, "pause"),
    resume: (env, id) => pauseOrResumeRun(bindingsOf(env), id, "resume"),
    events: (env, id, page = {}) => runEventPage(bindingsOf(env), id, page.after, page.limit),
    query: async <R>(env: unknown, id: string, name: string, arg?: unknown) => (await queryRun(bindingsOf(env), id, name, arg)).result as R,
    update: async <R>(env: unknown, id: string, name: string, arg?: unknown, send: { idempotencyKey?: string } = {}) => (await updateAndWait(bindingsOf(env), id, name, arg, send.idempotencyKey ?? null)) as R,
  };
}

