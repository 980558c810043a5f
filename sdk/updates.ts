// Updates: events that answer with a value. A body defines a handler (defineUpdate);
// POST /api/runs/{id}/updates/{name} records the update in the run's log, and the
// handler runs in the body at its place in the delivery order — live and in every
// replay alike — changing the body's variables and its published state, and its
// return value is the answer. Like defineQuery, it is defined again on every replay.

import { currentContext } from "./context.ts";
import { updatesOf } from "./core/updates.ts";
import { InvalidArgumentError } from "./errors.ts";
import { EVENT_NAME } from "./events.ts";

/** Options of defineUpdate(). */
export interface UpdateOptions<A> {
  /**
   * Runs before anything is recorded, with the body's state as it is: throwing refuses
   * the update (422 update_rejected) and changes nothing. Synchronous; may not call
   * primitives or setState.
   */
  validate?: (arg: A) => void;
}

/**
 * Registers the update `name`: POST /api/runs/{id}/updates/{name} with `{ "arg": … }`
 * runs `fn(arg)` in the body at rest, at a recorded point every replay repeats, and
 * answers its JSON result. `fn` may change the body's variables and call setState; it
 * must be synchronous and may not call other primitives (an update that does fails
 * with 422 update_failed, recorded as such). Defined again on every replay; a later
 * define of a name replaces it.
 */
export function defineUpdate<A = unknown, R = unknown>(name: string, fn: (arg: A) => R, options: UpdateOptions<A> = {}): void {
  if (typeof name !== "string" || !EVENT_NAME.test(name)) {
    throw new InvalidArgumentError(`defineUpdate() takes an update name first (1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit), got ${JSON.stringify(name)}`);
  }
  if (typeof fn !== "function") throw new InvalidArgumentError(`defineUpdate("${name}", fn) takes a function as its second argument`);
  if (options.validate !== undefined && typeof options.validate !== "function") throw new InvalidArgumentError(`defineUpdate("${name}", fn, { validate }) takes a function as validate`);
  updatesOf(currentContext("defineUpdate").published("defineUpdate")).define(name, fn, options.validate);
}
