// The shapes of `POST /api/runs/batch`: many starts in one request, one answer per item.
// Kept apart from schemas.ts (at its size limit); registered in the same API_SCHEMAS, so
// the OpenAPI document and sdk/client/api-types.ts carry them like the others.

import * as z from "zod/mini";
import { doc, int, named, text } from "./schema-kit.ts";
import { IdempotencyKey, MAX_INPUT_BYTES } from "./schemas.ts";
import { StartAnswer, startFlowFields } from "./start-schemas.ts";

/** Most items one `POST /api/runs/batch` (or startMany) takes. */
export const MAX_BATCH_RUNS = 1000;
/** Largest accepted body of `POST /api/runs/batch`; each item's input is still at most MAX_INPUT_BYTES. */
export const MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024;
/** How many of a batch's starts run at once: enough to overlap the run objects' round trips, few enough not to flood the Worker's subrequests. */
export const BATCH_CONCURRENCY = 32;

// Strict: a misspelt "idempotencyKey" must not silently start a run without one.
export const BatchStartItem = named(
  "BatchStartItem",
  "One start of a batch: what POST /api/runs takes, with its Idempotency-Key as a field.",
  z.strictObject({
    workflow: doc("The workflow's path, as GET /api/workflows lists it.", z.string().check(z.minLength(1, "workflow must name a registered workflow"))),
    input: z.optional(doc(`The run's input: any JSON (at most ${MAX_INPUT_BYTES} bytes).`, z.unknown())),
    idempotencyKey: z.optional(IdempotencyKey),
    ...startFlowFields,
  }),
);

/** The batch as a whole: checked before anything starts; each item is checked on its own (a bad item is answered, not the batch refused). */
export const BatchEnvelope = z.strictObject({
  runs: z.array(z.unknown()).check(z.minLength(1, "runs must hold at least one start"), z.maxLength(MAX_BATCH_RUNS, `runs holds at most ${MAX_BATCH_RUNS} starts; split the batch`)),
});

/** The body as the document shows it. */
export const BatchStartBody = named(
  "BatchStartBody",
  undefined,
  z.strictObject({
    runs: doc(`1 to ${MAX_BATCH_RUNS} starts, answered in this order.`, z.array(BatchStartItem).check(z.minLength(1), z.maxLength(MAX_BATCH_RUNS))),
  }),
);

export const BatchStarted = named(
  "BatchStarted",
  "An item that started a run (201), or found one (200): the run its idempotencyKey started before, or the one its debounce or singleton option reached.",
  z.object({ status: doc("201 started; 200 found (idempotencyKey, debounce or singleton skip).", int()), run: StartAnswer }),
);

export const BatchRefused = named(
  "BatchRefused",
  "An item that started nothing: the status and error POST /api/runs would answer for it.",
  z.object({
    status: doc("The HTTP status POST /api/runs would answer: 400, 404, 409, 413, 503…", int()),
    error: z.object({
      code: doc("Stable and machine-readable, as POST /api/runs answers: workflow_not_found, invalid_input, idempotency_conflict…", text()),
      message: text(),
      issues: z.optional(doc("For invalid_input: each failing path.", z.array(z.object({ path: text(), message: text() })))),
      build: z.optional(doc("For workflow_build_failed: where the file fails to build.", z.object({ file: text(), line: int(), column: int(), message: text() }))),
    }),
  }),
);

export const BatchStartAnswer = named("BatchStartAnswer", "One item's answer.", z.union([BatchStarted, BatchRefused]));

export const BatchStartResult = named(
  "BatchStartResult",
  "One answer per item, in the items' order.",
  z.object({ runs: z.array(BatchStartAnswer) }),
);
