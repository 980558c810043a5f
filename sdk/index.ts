// The author API: what a workflow file imports as `baton`. Web-standard TypeScript
// only, so the same file runs on Workers, Deno and Node.

import { takeSignal, type CallOptions } from "./cancel.ts";
import { currentContext, type CallControl, type Closure, type ParallelOptions } from "./context.ts";
import { approvalRequest, type ApprovalOptions, type ApprovalResult } from "./approval.ts";
import { onlyKnownKeys, toSeconds, type Duration } from "./duration.ts";
import { InvalidArgumentError } from "./errors.ts";
import { eventRequest, type EventOptions } from "./events.ts";
import { resolveTaskOptions, type StepOptions, type TaskOptions } from "./options.ts";
import { takeRollback, type RollbackOption } from "./rollback.ts";
import { resolveSchedule, type Schedule, type WorkflowOptions } from "./schedule.ts";
import { INPUT_SCHEMA } from "./core/continue-as-new.ts";
import { parsedInput, parsedOutput, type InferInput, type InferOutput, type StandardSchema } from "./schema.ts";

export type { Closure, ParallelOptions, TaskContext } from "./context.ts";
export { DEFAULT_APPROVAL_TIMEOUT_SECONDS, type ApprovalOptions, type ApprovalResult } from "./approval.ts";
export { DEFAULT_TASK_OPTIONS, type ConcurrencyLimit, type RetryOptions, type RetryPolicy, type StepOptions, type TaskOptions } from "./options.ts";
export type { Duration, DurationUnit } from "./duration.ts";
export { DEFAULT_EVENT_TIMEOUT_SECONDS, EVENT_NAME, type EventOptions } from "./events.ts";
export type { Schedule, ScheduledInput, ScheduleOverlap, WorkflowOptions } from "./schedule.ts";
export { inputJsonSchema, isStandardSchema, issuesText, validate, type InferInput, type InferOutput, type SchemaIssue, type StandardSchema } from "./schema.ts";
export { nonCancellable, race, type CallOptions, type RaceEntry } from "./cancel.ts";
export { isScript, patched, script, taskFlow, taskScript, type FlowOptions, type Script } from "./compose.ts";
export { currentRun, sendEvent, type RunInfo, type SentEvent } from "./messages.ts";
export { defineQuery, MAX_STATE_BYTES, publish, setState } from "./queries.ts";
export type { Rollback, RollbackArgs, RollbackContext, RollbackFn, RollbackOption, RollbackOptions } from "./rollback.ts";
export { defineUpdate, type UpdateOptions } from "./updates.ts";
export { continueAsNew } from "./continue-as-new.ts";
export { DEFAULT_EVENT_URL_EXPIRY_SECONDS, eventUrl, type EventUrlDelivery, type EventUrlOptions } from "./event-url.ts";
export {
  BatonError,
  CancelledError,
  EventNotDeliveredError,
  EventTimeoutError,
  FatalError,
  TaskTimeoutError,
  InvalidArgumentError,
  InvalidInputError,
  InvalidOutputError,
  isNamed,
  type NotDeliveredReason,
  NonDeterminismError,
  OutsideRunError,
  ScriptNotFoundError,
  SerializationError,
  StepLimitError,
  StuckRunError,
  TaskDeliveryError,
  UnansweredApprovalError,
  VersionMismatchError,
  WorkerTagError,
  WorkflowNotFoundError,
} from "./errors.ts";

const WORKFLOW_BRAND: unique symbol = Symbol.for("baton.workflow") as never;

/** A workflow definition: the default export of a file in `workflows/`. */
export interface Workflow<I = unknown, O = unknown> {
  readonly [WORKFLOW_BRAND]: true;
  /** The workflow's body, called with the run's input on every replay. */
  readonly run: (input: I) => Promise<O>;
  /** When the scheduler starts runs of it, or null for a workflow started only on request. */
  readonly schedule: Readonly<Schedule> | null;
  /** The schema a run's input must fit, or null. */
  readonly input: StandardSchema | null;
  /** The schema the result must fit, or null. */
  readonly output: StandardSchema | null;
  /** The function given to workflow(), as written: hosts hash its source for a version when no build gave one. */
  readonly source: (input: never) => Promise<unknown>;
}

/**
 * Declares a workflow whose input fits `options.input` (any Standard Schema): the body
 * gets the schema's output, typed; a start that does not fit is refused.
 */
export function workflow<S extends StandardSchema, O = unknown>(run: (input: InferOutput<S>) => Promise<O>, options: WorkflowOptions & { input: S; output?: StandardSchema<unknown, O> }): Workflow<InferInput<S>, O>;
/** Declares a workflow; its body must be deterministic between Baton primitives. Options: a cron `schedule`, `input` and `output` schemas. */
export function workflow<I = unknown, O = unknown>(run: (input: I) => Promise<O>, options?: WorkflowOptions): Workflow<I, O>;
export function workflow(run: (input: unknown) => Promise<unknown>, options?: WorkflowOptions): Workflow {
  if (typeof run !== "function") {
    throw new InvalidArgumentError("workflow() takes an async function: workflow(async (input) => { ... })");
  }
  const schedule = resolveSchedule(options);
  const input = options?.input ?? null;
  const output = options?.output ?? null;
  // Checked inside the body too, on every replay alike: the body sees the schema's output, and a result must fit before the run completes.
  const body = input === null && output === null ? run : async (given: unknown) => {
    const result = await run(input === null ? given : await parsedInput(input, given));
    return output === null ? result : await parsedOutput(output, result);
  };
  // continueAsNew() checks the successor's input against it (sdk/core/continue-as-new.ts).
  if (input !== null) Object.defineProperty(body, INPUT_SCHEMA, { value: input });
  return Object.freeze({ [WORKFLOW_BRAND]: true as const, run: body, schedule: schedule && Object.freeze(schedule), input, output, source: run });
}

/** True when `value` was made by `workflow()`, even by another copy of this module. */
export function isWorkflow(value: unknown): value is Workflow {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[WORKFLOW_BRAND] === true;
}

/** Runs `fn` as its own queued invocation; its result is checkpointed. `rollback`: its compensation, should the run fail later. */
export function task<T>(fn: Closure<T>, options?: TaskOptions & CallOptions & RollbackOption<T>): Promise<T>;
/** Runs `fn` as its own queued invocation under a name shown in the run's steps. */
export function task<T>(name: string, fn: Closure<T>, options?: TaskOptions & CallOptions & RollbackOption<T>): Promise<T>;
export function task<T>(a: string | Closure<T>, b?: Closure<T> | TaskOptions, c?: TaskOptions): Promise<T> {
  const [name, fn] = named("task", a, typeof a === "function" ? undefined : (b as Closure<T> | undefined));
  const { options: given, control } = takeSignal(typeof a === "function" ? (b as TaskOptions | undefined) : c, "task()");
  const { options, resolve } = takeRollback(given, "task");
  const resolved = resolveTaskOptions(options, "task");
  return currentContext("task").task(name, fn, resolved, { ...control, ...resolve(resolved) });
}

/** Runs `fn` inline in the run object; its result is checkpointed. Options: retries, timeout and a `rollback`. */
export function step<T>(fn: Closure<T>, options?: StepOptions & CallOptions & RollbackOption<T>): Promise<T>;
/** Runs `fn` inline in the run object under a name shown in the run's steps. */
export function step<T>(name: string, fn: Closure<T>, options?: StepOptions & CallOptions & RollbackOption<T>): Promise<T>;
export function step<T>(a: string | Closure<T>, b?: Closure<T> | StepOptions, c?: StepOptions): Promise<T> {
  const [name, fn] = named("step", a, typeof a === "function" ? undefined : (b as Closure<T> | undefined));
  const { options: given, control } = takeSignal(typeof a === "function" ? (b as StepOptions | undefined) : c, "step()");
  const { options, resolve } = takeRollback(given, "step");
  for (const key of Object.keys(options ?? {})) {
    if (key !== "retries" && key !== "timeout") {
      throw new InvalidArgumentError(`step() takes only retries, timeout, rollback and signal; "${key}" is a task() option`);
    }
  }
  const resolved = resolveTaskOptions(options, "step");
  return currentContext("step").step(name, fn, resolved, { ...control, ...resolve(resolved) });
}

/** Suspends the run for a duration (seconds, or e.g. "5 minutes"); nothing is held while it sleeps. */
export function sleep(duration: Duration, options?: CallOptions): Promise<void>;
/** Suspends the run for a duration under a name shown in the run's steps. */
export function sleep(name: string, duration: Duration, options?: CallOptions): Promise<void>;
export function sleep(a: string | Duration, b?: Duration | CallOptions, c?: CallOptions): Promise<void> {
  // One string alone is the duration; a name always comes with a duration after it; options come last.
  const optionsAt = isOptions(b) ? 1 : 2;
  const [name, duration] = optionsAt === 1 || b === undefined ? [undefined, a] : [a, b as Duration];
  if (name !== undefined && (typeof name !== "string" || name.length === 0 || name.length > 200)) {
    throw new InvalidArgumentError("sleep() name must be a non-empty string of at most 200 characters");
  }
  const control = callControl(optionsAt === 1 ? b : c, "sleep()");
  return currentContext("sleep").sleep(name, toSeconds(duration, "sleep()"), control);
}

/** Suspends the run until `time` (a Date or an ISO 8601 string); a time already past returns at once. */
export function sleepUntil(time: Date | string, options?: CallOptions): Promise<void>;
/** Like sleepUntil(time), under a name shown in the run's steps. */
export function sleepUntil(name: string, time: Date | string, options?: CallOptions): Promise<void>;
export function sleepUntil(a: string | Date, b?: Date | string | CallOptions, c?: CallOptions): Promise<void> {
  const optionsAt = isOptions(b) ? 1 : 2;
  const [name, time] = optionsAt === 1 || b === undefined ? [undefined, a] : [a as string, b as Date | string];
  const control = callControl(optionsAt === 1 ? b : c, "sleepUntil()");
  if (name !== undefined && (typeof name !== "string" || name.length === 0 || name.length > 200)) {
    throw new InvalidArgumentError("sleepUntil() name must be a non-empty string of at most 200 characters");
  }
  const at = time instanceof Date ? time.getTime() : typeof time === "string" && /^\d{4}-\d{2}-\d{2}/.test(time) ? Date.parse(time) : Number.NaN;
  if (!Number.isFinite(at)) throw new InvalidArgumentError(`sleepUntil() takes a Date or an ISO 8601 time, e.g. "2026-12-01T09:00:00Z", got ${JSON.stringify(time)}`);
  const context = currentContext("sleepUntil");
  // The body's clock (the recorded time of its last outcome) decides, so a replay decides alike.
  if (at <= Date.now()) return Promise.resolve();
  return context.sleepUntil(name, at, control);
}

/**
 * Suspends the run until the event `name` is sent to it (POST /api/runs/:id/events/:name)
 * and resolves to its JSON payload. An event sent before the run gets here was kept
 * and is taken at once (first in, first out per name). Throws EventTimeoutError when
 * the timeout (default 24 hours) passes first.
 */
export function waitForEvent<T = unknown>(name: string, options?: EventOptions & CallOptions): Promise<T> {
  const { options: rest, control } = takeSignal(options, "waitForEvent()");
  return currentContext("waitForEvent").event(eventRequest(name, rest), control) as Promise<T>;
}

/** Suspends the run until a person approves or rejects, or the timeout passes. */
export function waitForApproval(options?: ApprovalOptions & CallOptions): Promise<ApprovalResult>;
/** Like waitForApproval(options), under a name shown in the run's steps. */
export function waitForApproval(name: string, options?: ApprovalOptions & CallOptions): Promise<ApprovalResult>;
export function waitForApproval(a?: string | ApprovalOptions, b?: ApprovalOptions): Promise<ApprovalResult> {
  const [name, given] = typeof a === "string" ? [a, b ?? {}] : [undefined, a ?? {}];
  if (name !== undefined && (name.length === 0 || name.length > 200)) {
    throw new InvalidArgumentError("waitForApproval() name must be a non-empty string of at most 200 characters");
  }
  const { options, control } = takeSignal(given, "waitForApproval()");
  return currentContext("waitForApproval").approval(name, approvalRequest(options ?? {}), control);
}

/** Runs `fn` for every item, at most `concurrency` at once; results in item order. */
export function parallel<I, O>(
  items: readonly I[],
  fn: (item: I, index: number) => Promise<O>,
  options: ParallelOptions<I> = {},
): Promise<O[]> {
  if (!Array.isArray(items)) throw new InvalidArgumentError("parallel() takes an array of items first");
  if (typeof fn !== "function") throw new InvalidArgumentError("parallel() takes a function as its second argument");
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("parallel() options must be an object");
  onlyKnownKeys(options, ["concurrency", "priority"], "parallel()");
  const { concurrency } = options;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new InvalidArgumentError(`parallel() concurrency must be an integer ≥ 1, got ${String(concurrency)}`);
  }
  if (options.priority !== undefined && typeof options.priority !== "function") {
    throw new InvalidArgumentError("parallel() priority must be a function (item, index) => number");
  }
  return currentContext("parallel").parallel(items, fn, options);
}

/** True for an options object where a duration or time could also stand. */
function isOptions(value: unknown): boolean {
  return typeof value === "object" && value !== null && !(value instanceof Date);
}

/** The control of a sleep's options object (only `signal`), checked. */
function callControl(options: unknown, primitive: string): CallControl {
  if (options === undefined) return {};
  if (!isOptions(options)) throw new InvalidArgumentError(`${primitive} options must be an object, e.g. { signal }`);
  const { options: rest, control } = takeSignal(options as CallOptions, primitive);
  onlyKnownKeys(rest ?? {}, ["signal"], primitive);
  return control;
}

function named<T>(primitive: string, a: string | Closure<T>, b: Closure<T> | undefined): [string | undefined, Closure<T>] {
  if (typeof a === "function") return [undefined, a];
  if (typeof a !== "string" || a.length === 0 || a.length > 200) {
    throw new InvalidArgumentError(`${primitive}() name must be a non-empty string of at most 200 characters`);
  }
  if (typeof b !== "function") {
    throw new InvalidArgumentError(`${primitive}("${a}", fn) takes a function as its second argument`);
  }
  return [a, b];
}
