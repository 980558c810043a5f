// The shapes and routes of updates (defineUpdate): `POST /api/runs/{id}/updates/{name}`
// sends one and waits for the handler's answer, `GET /api/runs/{id}/updates/{updateId}`
// reads one again (one path template, `{update}`, for both: OpenAPI allows no two
// templates that differ only in their parameters' names). Kept apart from schemas.ts and routes.ts (at their size limits);
// registered in the same API_SCHEMAS, so the OpenAPI document and
// sdk/client/api-types.ts carry them like the others.

import * as z from "zod/mini";
import { EVENT_NAME } from "baton-workflows";
import { createRoute, json, refusals } from "./route-kit.ts";
import { doc, named } from "./schema-kit.ts";
import { IdempotencyKey, MAX_INPUT_BYTES, RunIdParam } from "./schemas.ts";

/** An update's id as the API gives it out. */
export const UPDATE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const UpdateNameParam = doc(
  "The update's name, as the workflow's defineUpdate names it.",
  z.string().check(z.regex(EVENT_NAME, 'an update name is 1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit')),
);

export const UpdateIdParam = doc("The update's id, as POST …/updates/{name} answered it.", z.string().check(z.regex(UPDATE_ID, "an update id is the UUID POST /api/runs/{id}/updates/{name} answered")));

export const UpdateBody = named(
  "UpdateBody",
  undefined,
  z.strictObject({ arg: z.optional(doc("The handler's one argument: any JSON (null when left out, as is an empty body).", z.unknown())) }),
);

export const UpdateAnswered = named(
  "UpdateAnswered",
  "An update the body applied (200).",
  z.object({
    updateId: doc("The update's id: GET /api/runs/{id}/updates/{updateId} reads it again.", z.string()),
    result: doc("What the handler returned, as JSON (null for undefined).", z.unknown()),
  }),
);

export const UpdatePending = named(
  "UpdatePending",
  "An update recorded whose answer has not come yet (202).",
  z.object({ updateId: doc("The update's id: GET /api/runs/{id}/updates/{updateId} reads its answer once it came.", z.string()), status: z.literal("pending") }),
);

export const UpdateErrorView = named(
  "UpdateError",
  "What a failed update's handler threw.",
  z.object({ name: z.string(), message: z.string(), code: z.optional(z.string()) }),
);

export const UpdateView = named(
  "UpdateView",
  "Where an update stands.",
  z.object({
    updateId: z.string(),
    name: doc("The update's name.", z.string()),
    status: doc("pending until the body ran the handler; then completed (result) or failed (error).", z.enum(["pending", "completed", "failed"])),
    result: z.optional(doc("completed: what the handler returned.", z.unknown())),
    error: z.optional(UpdateErrorView),
  }),
);

export const sendUpdate = createRoute({
  method: "post",
  path: "/api/runs/{id}/updates/{update}",
  operationId: "sendUpdate",
  summary: "Send an update (defineUpdate) to a run and wait for the handler's answer; recorded in the run's log and applied at the same point by every replay",
  request: {
    params: z.object({ id: RunIdParam, update: UpdateNameParam }),
    headers: z.object({ "Idempotency-Key": z.optional(IdempotencyKey) }),
    body: { required: false, description: `At most ${MAX_INPUT_BYTES} bytes; an empty body sends arg null.`, schema: UpdateBody },
  },
  responses: {
    200: json(UpdateAnswered, "The body ran the handler: its result. Sent again with the same Idempotency-Key and arg: the first answer again, applied once."),
    202: json(UpdatePending, "Recorded, but the body did not come to rest (or answer) within 20 s: read the answer with GET …/updates/{updateId}."),
    ...refusals({
      401: "unauthorized: no token, a wrong one, or no BATON_API_TOKEN set on the Worker",
      400: "invalid_json or invalid_request: a bad name, body or Idempotency-Key",
      404: "run_not_found, or update_not_found (nothing recorded; the message lists the updates the body has defined)",
      409: "run_not_active (it ended), idempotency_conflict (the key was used with another name or arg), or update_unavailable (the body runs on workers you run, the run is paused, or its code does not build)",
      413: "payload_too_large",
      422: "update_rejected (its validator refused it; nothing recorded) or update_failed (the handler threw, called a primitive or returned a promise; recorded, and the run goes on)",
    }),
  },
});

export const getUpdate = createRoute({
  method: "get",
  path: "/api/runs/{id}/updates/{update}",
  operationId: "getUpdate",
  summary: "Read an update's answer: pending, completed with its result, or failed with its error",
  request: { params: z.object({ id: RunIdParam, update: UpdateIdParam }) },
  responses: {
    200: json(UpdateView, "The update."),
    ...refusals({
      401: "unauthorized: no token, a wrong one, or no BATON_API_TOKEN set on the Worker",
      400: "invalid_request: not an update id",
      404: "run_not_found or update_not_found",
    }),
  },
});

/** The update routes, in the order the README lists them. */
export const UPDATE_ROUTES = [sendUpdate, getUpdate] as const;
