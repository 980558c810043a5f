// The shapes and route of `GET /api/runs/{id}/queries/{name}`: a query the run's body
// defined (defineQuery), answered from its current state. Kept apart from schemas.ts
// and routes.ts (at their size limits); registered in the same API_SCHEMAS, so the
// OpenAPI document and sdk/client/api-types.ts carry them like the others.

import * as z from "zod/mini";
import { EVENT_NAME } from "baton-workflows";
import { createRoute, json, refusals } from "./route-kit.ts";
import { doc, named } from "./schema-kit.ts";
import { RunIdParam } from "./schemas.ts";

/** Longest `?arg=` a query takes, in characters of JSON text. */
export const MAX_QUERY_ARG_CHARS = 8 * 1024;

export const QueryNameParam = doc(
  "The query's name, as the workflow's defineQuery names it.",
  z.string().check(z.regex(EVENT_NAME, 'a query name is 1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit')),
);

export const QueryArgs = z.object({
  arg: z.optional(doc(`The handler's one argument as JSON text (URL-encoded), at most ${MAX_QUERY_ARG_CHARS} characters; left out, the handler gets undefined.`, z.string(), '{"n":1}')),
});

export const QueryView = named(
  "QueryView",
  "A query's answer (200).",
  z.object({ result: doc("What the handler returned, as JSON (null for undefined).", z.unknown()) }),
);

export const queryRun = createRoute({
  method: "get",
  path: "/api/runs/{id}/queries/{name}",
  operationId: "queryRun",
  summary: "Ask a run's body a question (defineQuery): answered from its current state, recording nothing",
  request: { params: z.object({ id: RunIdParam, name: QueryNameParam }), query: QueryArgs },
  responses: {
    200: json(QueryView, "The handler's answer, computed from the body's state at rest (after replaying the run's log if its object was evicted, or if the run ended)."),
    ...refusals({
      401: "unauthorized: no token, a wrong one, or no BATON_API_TOKEN set on the Worker",
      400: "invalid_request: a query name or arg that does not fit (arg must be JSON text)",
      404: "run_not_found, or query_not_found (the message lists the queries the body has defined so far)",
      409: "query_unavailable: the body runs on workers you run (not in the Worker), or the run's log no longer replays on the deployed code",
      422: "query_failed: the handler threw, called a primitive or returned a promise (queries must be synchronous and may not call primitives)",
    }),
  },
});

/** The query routes, in the order the README lists them. */
export const QUERY_ROUTES = [queryRun] as const;
