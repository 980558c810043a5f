// Signed event URLs: a URL that a plain POST (a webhook sender's callback, a link in a
// message) delivers as an event to this run, with no API token.

import { currentContext } from "./context.ts";
import { onlyKnownKeys, toSeconds, type Duration } from "./duration.ts";
import { FatalError, InvalidArgumentError } from "./errors.ts";
import { EVENT_NAME } from "./events.ts";
import { resolveTaskOptions } from "./options.ts";

/** Seconds an event URL works unless `expires` says otherwise: 7 days. */
export const DEFAULT_EVENT_URL_EXPIRY_SECONDS = 7 * 24 * 60 * 60;

/** Options of eventUrl(). */
export interface EventUrlOptions {
  /** How long the URL works (seconds or e.g. "2 days"); default 7 days. */
  expires?: Duration;
  /** True (the default): the first POST delivers and every later one is refused (410 event_url_used). False: every POST delivers. */
  once?: boolean;
}

/** What waitForEvent(name) resolves to when the event came through an event URL. */
export interface EventUrlDelivery<T = unknown> {
  /** The POST's body parsed as JSON; null for an empty body or one that is not JSON. */
  payload: T | null;
  /** The POST's body as it was sent (UTF-8 text), for checking a sender's signature over it. */
  raw: string;
  /** The POST's headers, names lower-cased, without cookie and authorization. */
  headers: Record<string, string>;
}

/**
 * A URL under the Worker's origin (or BATON_PUBLIC_URL) that a POST with no token
 * delivers as the event `name` to this run: `waitForEvent(name)` then resolves with
 * an EventUrlDelivery (`{ payload, raw, headers }`). Signed, bound to this run (a run
 * later created under the same id refuses it), expiring (`expires`, default 7 days)
 * and, with `once` (the default), refused after its first use. A step (key
 * `eventUrl#n`): the URL is made once and every replay returns the same one. Fails
 * with FatalError where the host signs no URLs (no BATON_SIGNING_KEY, runLocally).
 */
export function eventUrl(name: string, options: EventUrlOptions = {}): Promise<string> {
  if (typeof name !== "string" || !EVENT_NAME.test(name)) {
    throw new InvalidArgumentError(`eventUrl() takes an event name as waitForEvent() does (1 to 200 letters, digits, "_", ".", ":" or "-"), got ${JSON.stringify(name)}`);
  }
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError('eventUrl() options must be an object, e.g. { expires: "1 day" }');
  onlyKnownKeys(options, ["expires", "once"], "eventUrl()");
  if (options.once !== undefined && typeof options.once !== "boolean") throw new InvalidArgumentError("eventUrl() `once` must be true or false");
  const expires = toSeconds(options.expires ?? DEFAULT_EVENT_URL_EXPIRY_SECONDS, "eventUrl() `expires`", 1, true);
  const once = options.once ?? true;
  const context = currentContext("eventUrl");
  // Read in the body (the closure's context has no host): what signs this run's URLs.
  const maker = context.eventUrlMaker();
  // No retries: a missing key or public URL is the deployment's setting, not a passing failure.
  return context.step<string>(
    "eventUrl",
    async ({ key }) => {
      if (!maker) throw new FatalError("eventUrl() needs a host that signs event URLs: the Worker's run object with BATON_SIGNING_KEY set (runLocally has none)");
      return maker({ name, expires, once, key });
    },
    resolveTaskOptions({ retries: { limit: 0 } }, "eventUrl"),
  );
}
