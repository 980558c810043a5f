// Published state and queries: a body shows how far it got (setState) and answers
// questions about its in-memory state (defineQuery) while it runs, recording nothing.
// Neither is a step: the body calls them again on every replay, as it runs through
// the same code, so they must be called from the body (not from a closure).

import { currentContext } from "./context.ts";
import { InvalidArgumentError } from "./errors.ts";
import { EVENT_NAME } from "./events.ts";

export { MAX_STATE_BYTES } from "./core/published-state.ts";

/**
 * Publishes `value` (JSON, at most 64 KiB; undefined counts as null) as the run's
 * latest public state: run detail (`state`), the run's events (`run.state`) and the
 * console show it. Stored when the body is at rest after an event, and only when it
 * changed, so a replay setting it again shows nothing new. Throws SerializationError
 * for a value that is not JSON or is too big.
 */
export function setState(value: unknown): void {
  currentContext("setState").published("setState").set(value);
}

/** Another name of setState(). */
export const publish: (value: unknown) => void = setState;

/**
 * Registers the query `name`: GET /api/runs/{id}/queries/{name}?arg=<JSON> answers
 * `fn(arg)` from the body's current in-memory state, recording nothing. `fn` must be
 * synchronous and may not call primitives (a query that does fails with 422
 * query_failed). Defined again on every replay; a later define of a name replaces it.
 */
export function defineQuery<A = unknown, R = unknown>(name: string, fn: (arg: A) => R): void {
  if (typeof name !== "string" || !EVENT_NAME.test(name)) {
    throw new InvalidArgumentError(`defineQuery() takes a query name first (1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit), got ${JSON.stringify(name)}`);
  }
  if (typeof fn !== "function") throw new InvalidArgumentError(`defineQuery("${name}", fn) takes a function as its second argument`);
  currentContext("defineQuery").published("defineQuery").define(name, fn);
}
