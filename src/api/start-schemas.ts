// The shapes of a start with flow control: `POST /api/runs`'s body with its `debounce`
// and `singleton` options, the same options on a batch item and from code, and the
// answer, a RunSummary that says what the options did. Kept apart from schemas.ts (at
// its size limit); registered in the same API_SCHEMAS, so the OpenAPI document and
// sdk/client/api-types.ts carry them like the others. What the options do: start-gate.ts.

import * as z from "zod/mini";
import { toSeconds } from "baton-workflows/engine";
import { doc, named, text } from "./schema-kit.ts";
import { IDEMPOTENCY_KEY, RunSummary } from "./schemas.ts";

/** The shortest debounce period (and maxDelay), in seconds: shorter ones would be shorter than a start's own round trip. */
export const MIN_DEBOUNCE_SECONDS = 1;
/** The longest debounce period (and maxDelay), in seconds: 7 days, as long as a pending run may wait for its start. */
export const MAX_DEBOUNCE_SECONDS = 7 * 24 * 60 * 60;

// The short forms Trigger.dev's and Inngest's debounce take ("5s", "10m", "1h"), beside sleep()'s long ones.
const SHORT = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/;
const SHORT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** `value` (seconds, a duration string as sleep() takes, or a short one: "5s", "10m") in milliseconds when it is within the debounce bounds; else null. */
export function debounceMs(value: unknown): number | null {
  let seconds: number;
  const short = typeof value === "string" ? SHORT.exec(value) : null;
  if (short) seconds = Number(short[1]) * (SHORT_SECONDS[short[2] ?? "s"] ?? 1);
  else {
    try {
      seconds = toSeconds(value, "a duration");
    } catch {
      return null;
    }
  }
  return seconds >= MIN_DEBOUNCE_SECONDS && seconds <= MAX_DEBOUNCE_SECONDS ? Math.round(seconds * 1000) : null;
}

/** A debounce duration: seconds or a duration string, 1 second to 7 days. A new schema each time, so each can be described. */
const duration = (what: string, description: string) =>
  doc(
    description,
    z.union([z.number(), z.string()]).check(
      z.refine((value) => debounceMs(value) !== null, `${what} must be 1 to ${MAX_DEBOUNCE_SECONDS} seconds: a number of seconds, or a duration such as "30 seconds", "5 minutes", "5s" or "2d"`),
    ),
    '"30 seconds"',
  );

/** A debounce or singleton key: as an Idempotency-Key, 1 to 255 visible ASCII characters. */
const flowKey = (what: string) =>
  doc(
    `Names the ${what} group within the workflow: 1 to 255 visible ASCII characters (as an Idempotency-Key). Starts of another workflow with the same key are another group.`,
    z.string().check(z.regex(IDEMPOTENCY_KEY, `${what}.key must be 1 to 255 visible ASCII characters`)),
  );

// Strict: a misspelt "maxDelay" must not silently debounce without its cap.
export const DebounceOption = named(
  "DebounceOption",
  "Trailing debounce: the first start with the key makes a run that begins `period` after the latest start with the key; each later start before it begins replaces its input and pushes its start. Once it has begun, a start opens a new run.",
  z.strictObject({
    key: flowKey("debounce"),
    period: duration("debounce.period", "How long after the latest start the run begins: seconds, or a duration string (\"30 seconds\", \"5 minutes\", \"5s\", \"10m\", \"1h\", \"2d\"); 1 second to 7 days."),
    maxDelay: z.optional(duration("debounce.maxDelay", "The most the first start of a window may be pushed: the run begins at most this long after it, however many starts follow; 1 second to 7 days.")),
  }),
);

export const SingletonOption = named(
  "SingletonOption",
  "At most one active (not ended) run per workflow and key: `skip` answers the active run and starts nothing; `cancel-previous` cancels it (as POST /api/runs/{id}/cancel does) and starts the new one.",
  z.strictObject({
    key: flowKey("singleton"),
    mode: z.enum(["skip", "cancel-previous"], { error: 'singleton.mode must be "skip" or "cancel-previous"' }),
  }),
);

/** The flow-control fields of a start, shared by POST /api/runs's body and a batch item. */
export const startFlowFields = {
  debounce: z.optional(DebounceOption),
  singleton: z.optional(SingletonOption),
};

export const StartBody = named(
  "StartBody",
  undefined,
  z.object({
    workflow: doc("The workflow's path, as GET /api/workflows lists it.", z.string().check(z.minLength(1, "workflow must name a registered workflow"))),
    input: z.optional(doc("The run's input: any JSON (at most 1 MiB with the rest of the body, or 100 MB with a BATON_PAYLOADS bucket; debounced and singleton starts keep 1 MiB).", z.unknown())),
    ...startFlowFields,
  }),
);

export const StartAnswer = named(
  "StartAnswer",
  "The run a start made or found, and what its debounce or singleton option did.",
  z.extend(RunSummary, {
    debounced: z.optional(doc("With debounce: false for the start that made the run (201), true for one that replaced its input and pushed its start (200).", z.boolean())),
    singleton: z.optional(
      doc(
        'With singleton: "started" (201; no run of the key was active), "skipped" (200; the active run, nothing started), "cancelled-previous" (201; previousId was cancelled).',
        z.enum(["started", "skipped", "cancelled-previous"]),
      ),
    ),
    previousId: z.optional(doc('With singleton "cancelled-previous": the run cancelled.', text())),
  }),
);
