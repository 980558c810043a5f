// Asking a run's body a question, for every way in: the HTTP API, createBaton().query
// and BatonService.query all come here, so each gets the same checks and errors.

import { receivedJsonProblem, type Json } from "baton-workflows/engine";
import { EVENT_NAME } from "baton-workflows";
import type { Hono } from "hono";
import type { QueryView } from "baton-workflows/client";
import type { Env } from "../env.ts";
import { ApiError } from "./api-error.ts";
import { MAX_QUERY_ARG_CHARS, QueryArgs, QueryNameParam, queryRun as queryRoute } from "./query-schemas.ts";
import { parse } from "./request-body.ts";
import { knownRun, runNotFound } from "./run-actions.ts";

/** Answers the query `name` of run `id` with `arg` (any JSON, or undefined), recording nothing. */
export async function queryRun(env: Env, id: string, name: string, arg?: unknown): Promise<QueryView> {
  if (typeof name !== "string" || !EVENT_NAME.test(name)) throw new ApiError(400, "invalid_request", 'a query name is 1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
  const checked = checkedArg(arg);
  const result = await (await knownRun(env, id)).query(name, checked);
  switch (result.status) {
    case "answered":
      return { result: JSON.parse(result.result) as Json };
    case "run_not_found":
      throw runNotFound(id);
    case "query_not_found":
      throw new ApiError(404, "query_not_found", `run ${id}'s body has defined no query "${name}"; it has defined: ${result.names.join(", ") || "none yet"}`);
    case "query_unavailable":
      throw new ApiError(409, "query_unavailable", result.message);
    case "query_failed":
      throw new ApiError(422, "query_failed", result.message);
  }
}

/** Serves GET /api/runs/{id}/queries/{name} on the /api app. */
export function serveQueries(api: Hono<{ Bindings: Env }>, path: (route: typeof queryRoute) => string): void {
  api.get(path(queryRoute), async (c) => {
    const name = parse(QueryNameParam, c.req.param("name"));
    const { arg } = parse(QueryArgs, c.req.query());
    return c.json((await queryRun(c.env, c.req.param("id") ?? "", name, arg === undefined ? undefined : parsedArg(arg))) satisfies QueryView);
  });
}

/** The `?arg=` text as JSON, or 400 invalid_request. */
function parsedArg(text: string): unknown {
  if (text.length > MAX_QUERY_ARG_CHARS) throw new ApiError(400, "invalid_request", `arg is over ${MAX_QUERY_ARG_CHARS} characters of JSON; a query's argument should be small`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "invalid_request", `arg must be JSON text, e.g. ?arg=${encodeURIComponent('{"n":1}')} or ?arg=%22text%22 for a string; got ${JSON.stringify(text.slice(0, 40))}`);
  }
}

/** A query's argument as JSON the run object takes, or 400 invalid_request. */
function checkedArg(arg: unknown): Json | undefined {
  if (arg === undefined) return undefined;
  const problem = receivedJsonProblem(arg);
  if (problem) throw new ApiError(400, "invalid_request", `the query's arg ${problem}`);
  let text: string | undefined;
  try {
    text = JSON.stringify(arg);
  } catch {
    throw new ApiError(400, "invalid_request", "the query's arg is not JSON (a cycle, or a BigInt)");
  }
  if (text === undefined) return undefined;
  if (text.length > MAX_QUERY_ARG_CHARS) throw new ApiError(400, "invalid_request", `the query's arg is over ${MAX_QUERY_ARG_CHARS} characters of JSON; a query's argument should be small`);
  return JSON.parse(text) as Json;
}
