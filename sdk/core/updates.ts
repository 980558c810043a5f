// Updates: events that answer with a value (defineUpdate). An update is recorded in the
// log as an outcome of no call (kind `update`, key `update:<id>`, taking no position in
// any branch, like the run's cancel) with the next delivery place, so every replay
// hands it to the body at the same point; there the execution runs the handler, which
// may change the body's variables and call setState. The handler's answer (its result
// or error) is written into the same entry once the body is at rest after it, and a
// replay that runs the handler again finds its answer already there. The handlers live
// beside the execution's published state (the execution knows only of handUpdate).

import { InvalidArgumentError } from "../errors.ts";
import type { RunContext } from "../context.ts";
import { contexts } from "./async-context.ts";
import { BODY_ENVIRONMENT, type BodyEnvironment } from "./determinism.ts";
import { toErrorData, type ErrorData } from "./error-data.ts";
import { toJson, type Json } from "./json.ts";
import type { Settled } from "./log.ts";
import { isThenable, publishedOf, type PublishedState } from "./published-state.ts";
import { refusing } from "./run-closure.ts";
import type { StepRecord, StepStorage } from "./run-machine/storage.ts";
import { ROOT_BRANCH } from "./step-key.ts";

/** The prefix of an update's key: no call's key has a `:` before its `#n`, so none can equal one. */
const UPDATE_PREFIX = "update:";

/** An update's handler and its optional validator, as the execution keeps them. */
interface UpdateHandler {
  fn: (arg: never) => unknown;
  validate: ((arg: never) => unknown) | undefined;
}

/** What an update came to once the body ran its handler. */
export type UpdateAnswer = { status: "completed"; result: Json | null } | { status: "failed"; error: ErrorData };

/** An update's entry as stored: its name and argument, then its answer once known. */
export interface UpdateRecord {
  name: string;
  arg: Json | null;
  result?: Json | null;
  error?: ErrorData;
}

/** Where an update stands, as GET /api/runs/{id}/updates/{updateId} tells it. */
export type UpdateView = { updateId: string; name: string; status: "pending" } | ({ updateId: string; name: string } & UpdateAnswer);

/** The key of update `id` in the log. */
export function updateKey(id: string): string {
  return `${UPDATE_PREFIX}${id}`;
}

/** One execution's update handlers, and the answers its handlers gave not yet stored. */
export class UpdateHandlers {
  private readonly handlers = new Map<string, UpdateHandler>();
  /** Answers by update key, kept until the host writes them into the log. */
  readonly answers = new Map<string, UpdateAnswer>();

  /** defineUpdate(): registers (or replaces) the handler of `name`. */
  define(name: string, fn: UpdateHandler["fn"], validate: UpdateHandler["validate"]): void {
    this.handlers.set(name, { fn, validate });
  }

  /** The names of the updates the body has defined so far, sorted. */
  names(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** True when the body has defined `name`. */
  has(name: string): boolean {
    return this.handlers.has(name);
  }

  /** Runs the validator of `name` (if any) with primitives and setState refused; the message of its refusal, or null. */
  refusal(name: string, arg: Json | null, environment: BodyEnvironment): string | null {
    const validate = this.handlers.get(name)?.validate;
    if (!validate) return null;
    try {
      const result = contexts.run(handlerContext(undefined, environment), () => validate(arg as never));
      if (isThenable(result)) {
        Promise.resolve(result).catch(() => {});
        return `the validator of update "${name}" returned a promise: validators must be synchronous`;
      }
      return null;
    } catch (error) {
      const data = toErrorData(error);
      return `update "${name}" was rejected by its validator: ${data.name}: ${data.message}`;
    }
  }

  /** Runs the handler of `name` with `arg` in the body's environment; what it came to. */
  run(name: string, arg: Json | null, published: PublishedState, environment: BodyEnvironment): UpdateAnswer {
    const handler = this.handlers.get(name);
    if (!handler) return failed(new InvalidArgumentError(`the body has defined no update "${name}" where this update reached it; it had defined: ${this.names().join(", ") || "none"}`));
    let result: unknown;
    try {
      result = contexts.run(handlerContext(published, environment), () => handler.fn(arg as never));
    } catch (error) {
      return { status: "failed", error: toErrorData(error) };
    }
    if (isThenable(result)) {
      // Its rejection, if any, has nobody to hear it.
      Promise.resolve(result).catch(() => {});
      return failed(new InvalidArgumentError(`update "${name}" returned a promise: update handlers must be synchronous and may not call primitives`));
    }
    try {
      return { status: "completed", result: toJson(result, `the result of update "${name}"`) ?? null };
    } catch (error) {
      return { status: "failed", error: toErrorData(error) };
    }
  }
}

function failed(error: Error): UpdateAnswer {
  return { status: "failed", error: toErrorData(error) };
}

/** A handler's context: primitives refused; setState reaches the body's state (absent for validators); the body's clock and randomness. */
function handlerContext(published: PublishedState | undefined, environment: BodyEnvironment): RunContext {
  const refused = refusing((primitive) => new InvalidArgumentError(`${primitive}() was called in an update handler: update handlers must be synchronous and may not call primitives (setState is allowed)`));
  const context: RunContext = Object.create(refused) as RunContext;
  return Object.assign(context, {
    published: (primitive: string) => {
      if (!published) throw new InvalidArgumentError(`${primitive}() was called in an update's validator: a validator only accepts or rejects; change state in the handler`);
      return published;
    },
    [BODY_ENVIRONMENT]: environment,
  });
}

/** Each execution's update handlers, kept beside its published state. */
const byState = new WeakMap<PublishedState, UpdateHandlers>();

/** The update handlers of the execution whose published state is `state` (made on first use). */
export function updatesOf(state: PublishedState): UpdateHandlers {
  let handlers = byState.get(state);
  if (!handlers) byState.set(state, (handlers = new UpdateHandlers()));
  return handlers;
}

/** The update handlers of `execution`. */
export function updatesOfExecution(execution: object): UpdateHandlers {
  return updatesOf(publishedOf(execution));
}

/**
 * The execution's hand-over of an outcome: for an update's key, runs its handler (the
 * body at rest, in its place in the delivery order) and keeps the answer for the host;
 * true when the outcome was an update's. A replay runs it again at the same point.
 */
export function handUpdate(execution: { readonly environment: BodyEnvironment }, outcome: Settled): boolean {
  if (!outcome.key.startsWith(UPDATE_PREFIX)) return false;
  const record = outcome.outcome.ok ? (outcome.outcome.value as UpdateRecord | undefined) : undefined;
  if (!record || typeof record.name !== "string") return true;
  const published = publishedOf(execution);
  const handlers = updatesOf(published);
  handlers.answers.set(outcome.key, handlers.run(record.name, record.arg ?? null, published, execution.environment));
  return true;
}

/**
 * Records update `id` of `name` with `arg` in the log, with the next delivery place;
 * the outcome to hand to the body. Its answer comes later (storeAnswers).
 */
export function recordUpdate(steps: StepStorage, id: string, name: string, arg: Json | null, now: number): Settled {
  const key = updateKey(id);
  const delivery = steps.lastDelivery() + 1;
  const record: UpdateRecord = { name, arg };
  const step: StepRecord = {
    key, branch: ROOT_BRANCH, seq: 0, kind: "update", name, status: "completed", attempts: 1,
    result: record as unknown as Json, error: undefined, startedAt: now, endedAt: now, attemptStartedAt: now, wakeAt: null, deadline: null,
    delivery, fromCache: false, claim: null, resends: 0,
  };
  steps.insert(step);
  return { key, delivery, at: now, outcome: { ok: true, value: record as unknown as Json } };
}

/**
 * Writes the answers `execution`'s handlers gave into their updates' entries, once each
 * (a replay's answers for updates already answered are dropped); `told` hears of each
 * answer written. Called with the body at rest.
 */
export function storeAnswers(steps: StepStorage, execution: object, told?: (key: string, view: UpdateView) => void): void {
  const answers = updatesOfExecution(execution).answers;
  for (const [key, answer] of answers) {
    answers.delete(key);
    const step = steps.step(key);
    if (!step || step.kind !== "update") continue;
    const record = step.result as unknown as UpdateRecord;
    if ("result" in record || "error" in record) continue;
    const answered: UpdateRecord = answer.status === "completed" ? { ...record, result: answer.result } : { ...record, error: answer.error };
    if (steps.update(key, { statuses: ["completed"] }, { result: answered as unknown as Json })) told?.(key, updateViewOf(step.key, answered));
  }
}

/** Where the update at `key`, as stored (`record`), stands. */
export function updateViewOf(key: string, record: UpdateRecord): UpdateView {
  const updateId = key.slice(UPDATE_PREFIX.length);
  if (record.error !== undefined) return { updateId, name: record.name, status: "failed", error: record.error };
  if ("result" in record) return { updateId, name: record.name, status: "completed", result: record.result ?? null };
  return { updateId, name: record.name, status: "pending" };
}

/** Where update `id` stands in `steps`, or undefined when the run has none such. */
export function readUpdate(steps: Pick<StepStorage, "step">, id: string): UpdateView | undefined {
  const step = steps.step(updateKey(id));
  return step?.kind === "update" ? updateViewOf(step.key, step.result as unknown as UpdateRecord) : undefined;
}
