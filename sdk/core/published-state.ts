// What a running body shows of itself without recording anything: its latest public
// state (setState) and the queries that read its in-memory state (defineQuery). Both
// live beside one execution and are set again by every replay, as the body runs
// through the same code; the host decides when the state is stored and answers
// queries only while the body is at rest.

import { InvalidArgumentError, SerializationError } from "../errors.ts";
import type { RunContext } from "../context.ts";
import { contexts } from "./async-context.ts";
import { toErrorData, type ErrorData } from "./error-data.ts";
import { encodeJson, toJson, type Json } from "./json.ts";
import { refusing } from "./run-closure.ts";

/** Most bytes of JSON a run's published state may hold. */
export const MAX_STATE_BYTES = 64 * 1024;

/** A query handler as the execution keeps it: its one argument is JSON the caller sent. */
type QueryHandler = (arg: never) => unknown;

/** What answering a query came to: its JSON result, or why there is none. */
export type QueryAnswer =
  | { status: "answered"; result: Json | null }
  | { status: "query_not_found"; names: string[] }
  | { status: "query_failed"; message: string; error?: ErrorData };

/** A handler runs with primitives refused: a query reads the body's state and changes nothing. */
const QUERY_CONTEXT: RunContext = refusing(
  (primitive) => new InvalidArgumentError(`${primitive}() was called in a query handler: queries must be synchronous and may not call primitives`),
);

/** One execution's published state and query handlers. */
export class PublishedState {
  /** The state's JSON text as last set; undefined until the body sets it in this execution. */
  private text: string | undefined;
  private readonly queries = new Map<string, QueryHandler>();

  /** setState(): checks `value` is JSON within MAX_STATE_BYTES and keeps it. */
  set(value: unknown): void {
    const json = toJson(value, "setState()'s value") ?? null;
    const text = encodeJson(json) ?? "null";
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_STATE_BYTES) {
      throw new SerializationError(`setState()'s value is ${bytes} bytes of JSON, over the ${MAX_STATE_BYTES}-byte limit of published state; publish a summary and keep the rest in step results`);
    }
    this.text = text;
  }

  /** The state's JSON text as last set, or undefined when this execution's body has not set it. */
  get json(): string | undefined {
    return this.text;
  }

  /** defineQuery(): registers (or replaces) the handler of `name`. */
  define(name: string, fn: QueryHandler): void {
    this.queries.set(name, fn);
  }

  /** The names of the queries the body has defined so far, sorted. */
  names(): string[] {
    return [...this.queries.keys()].sort();
  }

  /** Runs the handler of `name` with `arg`, synchronously and with primitives refused; records nothing. */
  answer(name: string, arg: Json | undefined): QueryAnswer {
    const fn = this.queries.get(name);
    if (!fn) return { status: "query_not_found", names: this.names() };
    let result: unknown;
    try {
      result = contexts.run(QUERY_CONTEXT, () => fn(arg as never));
    } catch (error) {
      const data = toErrorData(error);
      return { status: "query_failed", message: `query "${name}" threw ${data.name}: ${data.message}`, error: data };
    }
    if (isThenable(result)) {
      // Its rejection, if any, has nobody to hear it.
      Promise.resolve(result).catch(() => {});
      return { status: "query_failed", message: `query "${name}" returned a promise: queries must be synchronous and may not call primitives` };
    }
    try {
      return { status: "answered", result: toJson(result, `the result of query "${name}"`) ?? null };
    } catch (error) {
      const data = toErrorData(error);
      return { status: "query_failed", message: data.message, error: data };
    }
  }
}

/** Whether `value` is a promise or another thenable: what a handler that must be synchronous returned instead of a value. */
export function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** Each execution's published state, kept beside it (the execution knows nothing of it). */
const byExecution = new WeakMap<object, PublishedState>();

/** The published state of `execution` (made on first use). */
export function publishedOf(execution: object): PublishedState {
  let state = byExecution.get(execution);
  if (!state) byExecution.set(execution, (state = new PublishedState()));
  return state;
}
