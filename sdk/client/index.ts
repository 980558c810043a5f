// `baton/client`: a typed client of Baton's HTTP API. Only fetch, URL and timers, so
// it runs in Workers, Node, Deno and browsers alike.

import { updateAnswer } from "./update-answer.ts";
import type { BatchStartAnswer, BatchStartItem, BatchStartResult, CancelBody, DebounceOption, DecisionView, EventSentView, QueryView, RestartView, UpdateAnswered, UpdatePending, UpdateView, RunDetail, RunEvent, RunEventPage, RunPage, RunStatus, RunStreamEvent, RunSummary, SingletonOption, StartAnswer, StepDetail, StepPage, StepView, WorkersList, WorkflowEntry } from "./api-types.ts";
import { readSse, type SseMessage } from "./sse.ts";
import { apiError, BatonApiError, errorOf, RunFailedError, WaitTimeoutError } from "./errors.ts";

export { BatonApiError, RunFailedError, WaitTimeoutError } from "./errors.ts";

export type * from "./api-types.ts";
import { TERMINAL_RUN_STATUSES } from "../core/run-machine/statuses.ts";

/** How to reach a Baton deployment. */
export interface BatonClientOptions {
  /** The Worker's origin, e.g. "https://baton.example.com" or "http://localhost:8787". */
  baseUrl: string;
  /** The API token (BATON_API_TOKEN); sent as a bearer token. */
  token?: string;
  /** The fetch to use, e.g. a service binding's (default: the global fetch). */
  fetch?: (input: Request) => Promise<Response>;
}

/** Options of starting a run. */
export interface StartOptions {
  /** Repeating a start with the same key returns the same run instead of starting another. */
  idempotencyKey?: string;
  /** Trailing debounce by key: starts within `period` of each other make one run, with the last input (not with idempotencyKey or singleton). */
  debounce?: DebounceOption;
  /** At most one active run per key: `skip` answers the active one, `cancel-previous` cancels it (not with idempotencyKey or debounce). */
  singleton?: SingletonOption;
}

/** Filters and paging of `list`. */
export interface ListQuery {
  workflow?: string;
  /** One status, or any of several. */
  status?: RunStatus | RunStatus[];
  /** Only child runs of this run. */
  parentId?: string;
  /** Only runs created at or after this time. */
  createdAfter?: Date | string;
  /** Only runs created before this time. */
  createdBefore?: Date | string;
  /** 1 to 100, default 20. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** A person's decision on an approval. */
export interface Decision {
  approved: boolean;
  comment?: string;
  by?: string;
}

/** Options of waiting for a run. */
export interface WaitOptions {
  /** Seconds to wait before giving up with WaitTimeoutError (default 60). */
  timeout?: number;
  /** Milliseconds between reads of the run (default 250, growing to 2 s). */
  interval?: number;
  /** Stops waiting early. */
  signal?: AbortSignal;
  /**
   * A run that continued as new (status "continued") is followed along `continuedAs` to
   * its chain's last run, whose end is answered (default true); false answers the
   * continued run itself.
   */
  followContinued?: boolean;
}

/** A client of one Baton deployment's API. */
export class BatonClient {
  private readonly base: string;
  private readonly send: (request: Request) => Promise<Response>;
  private readonly options: BatonClientOptions;

  constructor(options: BatonClientOptions) {
    this.options = options;
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.send = options.fetch ?? ((request) => fetch(request));
  }

  /** Starts a run of `workflow` with `input`; with `debounce` or `singleton` the answer says what the option did. */
  start(workflow: string, input?: unknown, options: StartOptions = {}): Promise<StartAnswer> {
    return this.call("POST", "/api/runs", { workflow, input, debounce: options.debounce, singleton: options.singleton }, options.idempotencyKey);
  }

  /**
   * Starts up to 1,000 runs in one request (`POST /api/runs/batch`), one answer per item in order: `{status: 201 | 200, run}`, or
   * `{status, error}` for an item that started nothing. Item errors are data; a refused batch (malformed, over 1,000) throws BatonApiError.
   */
  async startMany(items: readonly BatchStartItem[], options: { traceparent?: string } = {}): Promise<BatchStartAnswer[]> {
    const headers = options.traceparent === undefined ? undefined : { traceparent: options.traceparent };
    return (await this.call<BatchStartResult>("POST", "/api/runs/batch", { runs: items }, undefined, headers)).runs;
  }

  /** Starts a script run: one task running the script at `path` with `args`. */
  runScript(path: string, args?: unknown, options: StartOptions = {}): Promise<RunSummary> {
    return this.call("POST", `/api/scripts/${path.split("/").map(encodeURIComponent).join("/")}/runs`, { args }, options.idempotencyKey);
  }

  /** The run with its steps, approvals, input and outcome. */
  get(id: string): Promise<RunDetail> {
    return this.call("GET", `/api/runs/${encodeURIComponent(id)}`);
  }

  /** One step of a run with its output, every attempt and the lines its closure printed. */
  step(id: string, key: string): Promise<StepDetail> {
    return this.call("GET", `/api/runs/${encodeURIComponent(id)}/steps/${encodeURIComponent(key)}`);
  }

  /** A completed run's output, however large (its detail shows `outputRef` instead of an output kept in BATON_PAYLOADS). */
  output<O = unknown>(id: string): Promise<O> {
    return this.call("GET", `/api/runs/${encodeURIComponent(id)}/output`);
  }

  /** A run's input, however large (its detail shows `inputRef` instead of an input kept in BATON_PAYLOADS). */
  input<I = unknown>(id: string): Promise<I> {
    return this.call("GET", `/api/runs/${encodeURIComponent(id)}/input`);
  }

  /** A completed step's result, however large (its detail shows `outputRef` instead of a result kept in BATON_PAYLOADS). */
  stepOutput<O = unknown>(id: string, key: string): Promise<O> {
    return this.call("GET", `/api/runs/${encodeURIComponent(id)}/steps/${encodeURIComponent(key)}/output`);
  }

  /** A page of a run's steps in the order they were recorded (`GET /api/runs/:id` carries the first; its `nextStepsCursor` leads here). */
  steps(id: string, options: { cursor?: string; limit?: number } = {}): Promise<StepPage> {
    const query = new URLSearchParams();
    if (options.cursor !== undefined) query.set("cursor", options.cursor);
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    const suffix = query.size > 0 ? `?${query.toString()}` : "";
    return this.call("GET", `/api/runs/${encodeURIComponent(id)}/steps${suffix}`);
  }

  /** Every step of a run, fetched page by page. */
  async allSteps(id: string): Promise<StepView[]> {
    const steps: StepView[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await this.steps(id, cursor ? { cursor } : {});
      steps.push(...page.steps);
      cursor = page.nextCursor;
    } while (cursor);
    return steps;
  }

  /** One page of runs, newest first. */
  list(query: ListQuery = {}): Promise<RunPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query) as [string, unknown][]) {
      if (value === undefined) continue;
      params.set(name, value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(",") : String(value));
    }
    const search = params.size > 0 ? `?${params}` : "";
    return this.call("GET", `/api/runs${search}`);
  }

  /** Cancels the run (and its child runs); answers its summary. `rollback`: the rollbacks of its completed steps run before it ends. */
  cancel(id: string, options: CancelBody = {}): Promise<RunSummary> {
    return this.call("POST", `/api/runs/${encodeURIComponent(id)}/cancel`, options.rollback === undefined ? undefined : { rollback: options.rollback });
  }

  /** Pauses a run: it starts no new attempt and fires no timer until resumed. */
  pause(id: string): Promise<RunSummary> {
    return this.call("POST", `/api/runs/${encodeURIComponent(id)}/pause`);
  }

  /** Resumes a paused run; what fell due while it was paused fires then. */
  resume(id: string): Promise<RunSummary> {
    return this.call("POST", `/api/runs/${encodeURIComponent(id)}/resume`);
  }

  /** Decides the approval at step `key` (e.g. "approval#0") of run `id`. */
  decide(id: string, key: string, decision: Decision): Promise<DecisionView> {
    return this.call("POST", `/api/runs/${encodeURIComponent(id)}/approvals/${encodeURIComponent(key)}`, decision);
  }

  /** Starts a new run of an ended run's workflow and input, keeping the steps that completed before `fromStep` (default: the first failed step). */
  restart(id: string, options: { fromStep?: string; idempotencyKey?: string } = {}): Promise<RestartView> {
    const body = options.fromStep === undefined ? {} : { fromStep: options.fromStep };
    return this.call("POST", `/api/runs/${encodeURIComponent(id)}/restart`, body, options.idempotencyKey);
  }

  /** Deletes an ended run: its steps, outputs and logs, and its list entry. */
  async remove(id: string): Promise<void> {
    await this.call<null>("DELETE", `/api/runs/${encodeURIComponent(id)}`);
  }

  /**
   * Sends the event `name` with its JSON payload to the run; a wait for it resumes, or it
   * is kept for the first that comes. With `idempotencyKey`, sending it again (after a
   * lost answer) gets the first answer and delivers nothing twice.
   */
  sendEvent(id: string, name: string, payload?: unknown, options: { idempotencyKey?: string } = {}): Promise<EventSentView> {
    return this.call("POST", `/api/runs/${encodeURIComponent(id)}/events/${encodeURIComponent(name)}`, payload === undefined ? {} : { payload }, options.idempotencyKey);
  }

  /**
   * Asks the run's body the query `name` (defineQuery) with `arg` (any JSON): resolves to
   * the handler's result, computed from the body's current state; nothing is recorded.
   */
  async query<R = unknown>(id: string, name: string, arg?: unknown): Promise<R> {
    const search = arg === undefined ? "" : `?arg=${encodeURIComponent(JSON.stringify(arg))}`;
    return (await this.call<QueryView>("GET", `/api/runs/${encodeURIComponent(id)}/queries/${encodeURIComponent(name)}${search}`)).result as R;
  }

  /**
   * Sends the update `name` (defineUpdate) with `arg` (any JSON) to the run: resolves to
   * the handler's result once the body ran it (reading it again each second while the
   * API answers pending). With `idempotencyKey`, sending it again (after a lost answer)
   * gets the first answer and applies it once. A throwing handler rejects with update_failed.
   */
  async update<R = unknown>(id: string, name: string, arg?: unknown, options: { idempotencyKey?: string } = {}): Promise<R> {
    const sent = await this.call<UpdateAnswered | UpdatePending>("POST", `/api/runs/${encodeURIComponent(id)}/updates/${encodeURIComponent(name)}`, arg === undefined ? {} : { arg }, options.idempotencyKey);
    return (await updateAnswer(sent, name, (updateId) => this.getUpdate(id, updateId), (message) => new BatonApiError(422, "update_failed", message))) as R;
  }

  /** Where update `updateId` of the run stands: pending, completed (result) or failed (error). */
  getUpdate(id: string, updateId: string): Promise<UpdateView> {
    return this.call("GET", `/api/runs/${encodeURIComponent(id)}/updates/${encodeURIComponent(updateId)}`);
  }

  /** The registered workflows and scripts. */
  async workflows(): Promise<WorkflowEntry[]> {
    return (await this.call<{ workflows: WorkflowEntry[] }>("GET", "/api/workflows")).workflows;
  }

  /** The workers you run that registered (seen in the last week) and each queue's load. */
  workers(): Promise<WorkersList> {
    return this.call<WorkersList>("GET", "/api/workers");
  }

  /** A page of a run's events after the event id `after` (0: from the first). */
  eventPage(id: string, options: { after?: number; limit?: number } = {}): Promise<RunEventPage> {
    const query = new URLSearchParams({ after: String(options.after ?? 0) });
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    return this.call("GET", `/api/runs/${encodeURIComponent(id)}/events?${query}`);
  }

  /**
   * A run's events as they happen, after the event id `after` (default: from the
   * first), ending when the run has ended and every event was read. A broken
   * connection (a restart, a deploy) is opened again, resuming after the last event read.
   */
  async *events(id: string, options: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<RunEvent> {
    let after = options.after ?? 0;
    for await (const message of this.messages(`/api/runs/${encodeURIComponent(id)}/events`, () => String(after), options.signal)) {
      if (message.event === "end") return;
      const event = JSON.parse(message.data) as RunEvent;
      after = event.id;
      yield event;
    }
  }

  /**
   * Every run's creation, status changes and end as they happen (only those of
   * `workflow`, or now in one of `status`), from now or after the cursor `after` (an
   * event's id); runs until `signal` aborts, reconnecting when the connection breaks.
   */
  async *subscribe(options: { workflow?: string; status?: RunStatus | RunStatus[]; after?: string; signal?: AbortSignal } = {}): AsyncGenerator<RunStreamEvent> {
    const query = new URLSearchParams();
    if (options.workflow !== undefined) query.set("workflow", options.workflow);
    if (options.status !== undefined) query.set("status", ([] as RunStatus[]).concat(options.status).join(","));
    let after = options.after;
    for await (const message of this.messages(`/api/runs/stream${query.size > 0 ? `?${query}` : ""}`, () => after, options.signal)) {
      // "ready": where the stream stands before any event, so a reconnect misses none.
      if (message.id !== undefined) after = message.id;
      if (message.event === "message") yield JSON.parse(message.data) as RunStreamEvent;
    }
  }

  /** The messages of a Server-Sent Events stream, opened again (resuming after `cursor()`) whenever the connection breaks; only the caller ends it. */
  private async *messages(path: string, cursor: () => string | undefined, signal: AbortSignal | undefined): AsyncGenerator<SseMessage> {
    for (let tries = 0; ; tries++) {
      const body = await this.stream(path, cursor(), signal, tries);
      if (!body) continue;
      try {
        for await (const message of readSse(body)) {
          tries = 0;
          yield message;
        }
      } catch (error) {
        // A connection cut mid-read (a restart, a deploy): open it again, unless the caller stopped.
        if (signal?.aborted) throw error;
      }
    }
  }

  /** Opens a Server-Sent Events stream after waiting out `tries` failed ones; null when it could not connect (try again). API errors throw. */
  private async stream(path: string, lastEventId: string | undefined, signal: AbortSignal | undefined, tries: number): Promise<ReadableStream<Uint8Array> | null> {
    if (tries > 0) await pause(Math.min(250 * 2 ** (tries - 1), 5000), signal);
    signal?.throwIfAborted();
    const headers = new Headers({ accept: "text/event-stream" });
    if (this.options.token !== undefined) headers.set("authorization", `Bearer ${this.options.token}`);
    if (lastEventId !== undefined) headers.set("last-event-id", lastEventId);
    let response: Response;
    try {
      response = await this.send(new Request(`${this.base}${path}`, { headers, ...(signal ? { signal } : {}) }));
    } catch (error) {
      if (signal?.aborted) throw error;
      return null;
    }
    // A server restarting answers 5xx for a moment: wait and try again, as for a dropped connection.
    if (response.status >= 500) return null;
    if (!response.ok || !response.body) throw await apiError(response, `GET ${path}`);
    return response.body;
  }

  /** Waits until the run ends, whatever the outcome, and answers it; a run that continued as new is followed to its chain's last run (see `followContinued`). */
  async waitForEnd(id: string, options: WaitOptions = {}): Promise<RunDetail> {
    const seconds = options.timeout ?? 60;
    const deadline = Date.now() + seconds * 1000;
    let interval = options.interval ?? 250;
    // The last continued run followed: its successor exists by the time it answers `continued`,
    // unless starting it failed and is being tried again; then the successor answers 404 for a while.
    let followed: RunDetail | undefined;
    for (let current = id; ; ) {
      const run = await this.get(current).catch((error: unknown) => {
        if (followed && error instanceof BatonApiError && error.status === 404) return undefined;
        throw error;
      });
      if (run?.status === "continued" && run.continuedAs && options.followContinued !== false) {
        followed = run;
        current = run.continuedAs;
        continue;
      }
      if (run && TERMINAL_RUN_STATUSES.has(run.status)) return run;
      if (Date.now() >= deadline) throw new WaitTimeoutError((run ?? followed) as RunDetail, seconds);
      await pause(Math.min(interval, Math.max(0, deadline - Date.now())), options.signal);
      if (options.interval === undefined) interval = Math.min(interval * 1.5, 2000);
    }
  }

  /**
   * Waits until the run ends and answers its output (of its chain's last run, when it
   * continued as new); a failed or cancelled run throws RunFailedError, a run still
   * going after `timeout` WaitTimeoutError.
   */
  async waitForResult<O = unknown>(id: string, options: WaitOptions = {}): Promise<O> {
    const run = await this.waitForEnd(id, options);
    if (run.status !== "completed") throw new RunFailedError(run);
    // An output kept in BATON_PAYLOADS is not in the detail: fetched from its route.
    return run.outputRef ? this.output<O>(id) : (run.output as O);
  }

  private async call<T>(method: string, path: string, body?: unknown, idempotencyKey?: string, extraHeaders?: Record<string, string>): Promise<T> {
    const headers = new Headers({ ...extraHeaders, accept: "application/json" });
    if (this.options.token !== undefined) headers.set("authorization", `Bearer ${this.options.token}`);
    if (idempotencyKey !== undefined) headers.set("idempotency-key", idempotencyKey);
    if (body !== undefined) headers.set("content-type", "application/json");
    const response = await this.send(new Request(`${this.base}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) }));
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw errorOf(response.status, parsed, `${method} ${path}`);
    return parsed as T;
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}
