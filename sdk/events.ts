// The shapes of waitForEvent(): which event a run waits for, and for how long.

import { onlyKnownKeys, toSeconds, type Duration } from "./duration.ts";
import { InvalidArgumentError } from "./errors.ts";

/** Seconds waitForEvent() waits unless `timeout` says otherwise: 24 hours. */
export const DEFAULT_EVENT_TIMEOUT_SECONDS = 24 * 60 * 60;

/** What an event's name may be: it travels in a URL path (`/api/runs/:id/events/:name`). */
export const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/** Options of waitForEvent(). */
export interface EventOptions {
  /** How long to wait before waitForEvent throws EventTimeoutError (seconds or e.g. "2 hours"); default 24 hours. */
  timeout?: Duration;
}

/** An event wait as the engine records it: the name checked, the timeout in seconds. */
export interface EventRequest {
  name: string;
  timeout: number;
}

/** Checks waitForEvent()'s arguments and applies the default timeout. */
export function eventRequest(name: unknown, options: EventOptions = {}): EventRequest {
  if (typeof name !== "string" || !EVENT_NAME.test(name)) {
    throw new InvalidArgumentError(
      `waitForEvent() takes an event name of 1 to 200 letters, digits, "_", ".", ":" or "-" (starting with a letter or digit), got ${JSON.stringify(name)}`,
    );
  }
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError('waitForEvent() options must be an object, e.g. { timeout: "1 hour" }');
  onlyKnownKeys(options, ["timeout"], "waitForEvent()");
  return { name, timeout: toSeconds(options.timeout ?? DEFAULT_EVENT_TIMEOUT_SECONDS, "waitForEvent() `timeout`", 0, true) };
}
