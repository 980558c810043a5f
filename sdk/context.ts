// The seam between the author API and whatever engine is running the workflow.
// The engine installs a context source in a globalThis slot keyed by Symbol.for, so
// two copies of this module in one bundle still find the same engine.

import type { ApprovalRequest, ApprovalResult } from "./approval.ts";
import type { Duration } from "./duration.ts";
import type { EventRequest } from "./events.ts";
import { OutsideRunError } from "./errors.ts";
import type { ResolvedTaskOptions, TaskOptions } from "./options.ts";
import type { RunInfo, SendRequest } from "./core/run-info.ts";
import type { EventUrlMaker } from "./core/event-url-host.ts";
import type { PublishedState } from "./core/published-state.ts";
import type { ResolvedRollback } from "./rollback.ts";

/** What a task or step closure receives. */
export interface TaskContext {
  /** The step key this closure runs under, stable across replays. */
  readonly key: string;
  /** 1 for the first attempt, counting up on each retry. */
  readonly attempt: number;
  /** Aborted when the attempt's timeout passes; pass it to fetch() and friends. */
  readonly signal: AbortSignal;
  /**
   * The W3C `traceparent` of this attempt's span when the host exports traces (null
   * otherwise): send it as the `traceparent` header of your own fetch() calls to join
   * the run's trace. A platform's automatic tracing is not re-parented by it.
   */
  readonly traceparent: string | null;
}

/** A closure run by `task()` or `step()`. */
export type Closure<T> = (context: TaskContext) => T | Promise<T>;

/** Options of `parallel()`. */
export interface ParallelOptions<I = never> {
  /** At most this many items run at once; default: all of them. */
  concurrency?: number;
  /** While items wait for one of the `concurrency` slots, higher priority starts first (then item order). */
  priority?: (item: I, index: number) => number;
}

/** What may end a pending call early, besides its outcome: never recorded with the call. */
export interface CallControl {
  /** Aborting it rejects the pending call with CancelledError and cancels its step. */
  signal?: AbortSignal | undefined;
  /** task() and step(): the compensation run if the run fails after this call completed. */
  rollback?: ResolvedRollback | undefined;
}

/** The operations an engine offers to the primitives of the running workflow. */
export interface RunContext {
  task<T>(name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions, control?: CallControl): Promise<T>;
  step<T>(name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions, control?: CallControl): Promise<T>;
  sleep(name: string | undefined, seconds: number, control?: CallControl): Promise<void>;
  /** Sleeps until the time `at` (ms since the epoch). */
  sleepUntil(name: string | undefined, at: number, control?: CallControl): Promise<void>;
  /** Waits for the event named in `request`; resolves to its payload. */
  event(request: EventRequest, control?: CallControl): Promise<unknown>;
  approval(name: string | undefined, request: ApprovalRequest, control?: CallControl): Promise<ApprovalResult>;
  parallel<I, O>(
    items: readonly I[],
    fn: (item: I, index: number) => Promise<O>,
    options: ParallelOptions<I>,
  ): Promise<O[]>;
  /** Runs the registered script at `path` as a task; `options` are the caller's, checked but not yet merged with the script's. */
  script<T>(path: string, args: unknown, options: TaskOptions | undefined, control?: CallControl): Promise<T>;
  /** Starts a child run of the workflow at `path` and waits for its end. */
  flow<T>(path: string, input: unknown, options: ResolvedFlowOptions, control?: CallControl): Promise<T>;
  /** Sends an event to another run; resolves once delivered (see `sendEvent`). */
  send(request: SendRequest, control?: CallControl): Promise<SentEvent>;
  /** The run this body belongs to (see `currentRun`). */
  currentRun(): RunInfo;
  /** What signs this run's event URLs (see `eventUrl`); undefined where the host signs none. */
  eventUrlMaker(): EventUrlMaker | undefined;
  /** True when this run takes the code path of change `id` (see `patched`). */
  patched(id: string): boolean;
  /** The state and queries the body publishes (see `setState`, `defineQuery`); `primitive` names the caller in refusals. */
  published(primitive: string): PublishedState;
  /** Ends the run and starts its successor with `input` (see `continueAsNew`); never settles. */
  continueAsNew(input: unknown): Promise<never>;
  /** Runs `fn` so that the run's cancel does not interrupt the primitives it awaits. */
  nonCancellable<T>(fn: () => Promise<T>): Promise<T>;
}

/** Options of `taskFlow()`. */
export interface FlowOptions {
  /** How long the child may run (seconds or e.g. "1 hour"); past it the child is cancelled and taskFlow fails with TaskTimeoutError. */
  timeout?: Duration;
  /** Aborting it cancels the child run and rejects taskFlow with CancelledError. */
  signal?: AbortSignal;
  /** True: start the child and resolve at once with `{ runId }`, without waiting for its end (no timeout or signal then). */
  start?: boolean;
}

/** What `sendEvent` resolves to: the wait of the target it settled, or null when the event was kept in its inbox. */
export interface SentEvent {
  deliveredTo: string | null;
}

/** taskFlow() options as the engine receives them: the timeout in seconds. */
export interface ResolvedFlowOptions {
  timeout?: number;
  /** Start the child and answer its id at once. */
  start?: boolean;
}

/** AsyncLocalStorage's shape: the engine's context carrier. */
export interface ContextSource {
  getStore(): RunContext | undefined;
  run<R>(context: RunContext, fn: () => R): R;
}

export const CONTEXT_SLOT: unique symbol = Symbol.for("baton.context") as never;

type Slotted = { [CONTEXT_SLOT]?: ContextSource };

/** Installs the engine's context source; the first installed one wins. */
export function installContextSource(source: ContextSource): ContextSource {
  const slot = globalThis as Slotted;
  slot[CONTEXT_SLOT] ??= source;
  return slot[CONTEXT_SLOT];
}

/** The context of the workflow this call belongs to, or a clear error. */
export function currentContext(primitive: string): RunContext {
  const context = (globalThis as Slotted)[CONTEXT_SLOT]?.getStore();
  if (!context) {
    throw new OutsideRunError(
      `${primitive}() was called outside a running workflow. Call it from the function ` +
        `passed to workflow(), not at module load, from a task or step closure, or after the run ended.`,
    );
  }
  return context;
}
