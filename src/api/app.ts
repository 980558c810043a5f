// The Worker's routes: the console's pages at /, approval pages at /approvals, and the
// HTTP API at /api: start, status, list and cancel runs, list workflows. JSON in and out,
// every error as `{error: {code, message}}`, and a rejected request changes nothing.

import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { EVENT_NAME } from "baton";
import { RUN_STATUSES, type Json, type RunStatus as RunStatusName } from "baton/engine";
import type { Env } from "../env.ts";
import { registry } from "../registry.ts";
import { decodeCursor } from "../index/run-index.ts";
import { runIdFromKey } from "../runs/run-ids.ts";
import { workflowEntries } from "../schedules/schedule-view.ts";
import { ApiError } from "./api-error.ts";
import { requireToken } from "./auth.ts";
import { allowedMethods } from "./methods.ts";
import { approvalRoutes } from "../approvals/approval-routes.tsx";
import { consoleRoutes, refusedCrossSite, tooLarge } from "../console/console-routes.tsx";
import { limitBody as limitPageBody, pageHeaders, sameOriginPosts } from "../console/security.ts";

/** Largest accepted body of `POST /api/runs`, and so the largest run input. */
export const MAX_INPUT_BYTES = 1024 * 1024;
/** Largest accepted body of a route that takes a small one (an approval decision). */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;
/** Most runs one page of `GET /api/runs` returns. */
export const MAX_PAGE_SIZE = 100;

const StartBody = z.object({
  workflow: z.string().min(1, "workflow must name a registered workflow"),
  input: z.json().optional(),
});

// Strict: `{"input": ...}` here is a common slip, and must not silently run the script without args.
const ScriptBody = z.strictObject({
  args: z.json().optional(),
});

/** A time in a query: an ISO 8601 date-time (with its offset) or a date, as milliseconds. */
const QueryTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: "must be an ISO 8601 time, e.g. 2026-11-30T12:00:00Z, or a date, e.g. 2026-11-30" }).transform((value) => Date.parse(value));

const ListQuery = z.strictObject({
  workflow: z.string().min(1).optional(),
  // One status or several, comma-separated: ?status=failed,cancelled
  status: z
    .string()
    .transform((value) => value.split(",").map((part) => part.trim()))
    .pipe(z.array(z.enum(RUN_STATUSES as readonly RunStatusName[] as [RunStatusName, ...RunStatusName[]])).min(1))
    .optional(),
  parentId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "parentId must be a run id").optional(),
  createdAfter: QueryTime.optional(),
  createdBefore: QueryTime.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
  cursor: z.string().min(1).optional(),
});

const DecisionBody = z.object({
  approved: z.boolean({ error: "approved must be true or false" }),
  comment: z.string().max(2000).optional(),
  by: z.string().min(1).max(200).optional(),
});

// Strict: an event's data goes in "payload"; anything else is a slip worth naming.
const EventBody = z.strictObject({
  payload: z.json().optional(),
});

const RestartBody = z.strictObject({
  fromStep: z.string().min(1, "fromStep must be a step key, e.g. \"charge#0\"").optional(),
});

const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, "Idempotency-Key must be 1 to 255 visible ASCII characters");
const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

type AppEnv = { Bindings: Env };

/** Builds the Worker's Hono app. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.body(), error.status);
    if (error instanceof HTTPException) return error.getResponse();
    console.error(`baton: unhandled API error: ${error.name}: ${error.message}`);
    return c.json(new ApiError(500, "internal_error", "internal error; see the Worker's logs").body(), 500);
  });
  app.notFound((c) => {
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length > 0) {
      const error = new ApiError(405, "method_not_allowed", `${c.req.path} does not take ${c.req.method}; it takes ${allow.join(", ")}`);
      return c.json(error.body(), 405, { Allow: allow.join(", ") });
    }
    return c.json(new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`).body(), 404);
  });

  const api = new Hono<AppEnv>();
  api.use("*", requireToken());

  const limitBody = bodyLimit({
    maxSize: MAX_INPUT_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `the request body is over ${MAX_INPUT_BYTES} bytes; pass large data by reference`);
    },
  });

  // A decision is a flag and a comment of at most 2,000 characters.
  const limitSmallBody = bodyLimit({
    maxSize: MAX_SMALL_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `the request body is over ${MAX_SMALL_BODY_BYTES} bytes`);
    },
  });

  api.post("/runs", limitBody, async (c) => {
    const body = parse(StartBody, await readJson(c));
    const entry = registry.entry(body.workflow);
    if (entry?.kind === "script") {
      throw new ApiError(404, "workflow_not_found", `"${body.workflow}" is a script, not a workflow; run it with POST /api/scripts/${body.workflow}/runs and {"args": ...}`);
    }
    if (!entry) throw new ApiError(404, "workflow_not_found", `no workflow "${body.workflow}"; GET /api/workflows lists them`);
    return startRun(c, body.workflow, body.input as Json | undefined);
  });

  // A script run: one task running the script at the path, with `args`.
  api.post("/scripts/:path{.+}/runs", limitBody, async (c) => {
    const path = c.req.param("path");
    const body = parse(ScriptBody, await readJson(c));
    const entry = registry.entry(path);
    if (entry?.kind !== "script") {
      const hint = entry ? `"${path}" is a workflow; start it with POST /api/runs` : "GET /api/workflows lists them";
      throw new ApiError(404, "script_not_found", `no script "${path}"; ${hint}`);
    }
    return startRun(c, path, body.args as Json | undefined);
  });

  api.get("/runs", async (c) => {
    const query = parse(ListQuery, c.req.query());
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new ApiError(400, "invalid_request", "cursor is not one this API returned");
    const index = c.env.RUN_INDEX.get(c.env.RUN_INDEX.idFromName("runs"));
    const { workflow, status, parentId, createdAfter, createdBefore, limit } = query;
    return c.json(await index.list({ workflow, status, parentId, createdAfter, createdBefore, limit, after }));
  });

  api.get("/runs/:id", async (c) => {
    const run = await runStub(c).describe();
    if (run === null) throw runNotFound(c.req.param("id"));
    return c.body(run, 200, { "content-type": "application/json; charset=UTF-8" });
  });

  api.get("/runs/:id/steps/:key{.+}", async (c) => {
    const key = c.req.param("key");
    const step = await runStub(c).stepDetail(key);
    if (step === "no_run") throw runNotFound(c.req.param("id"));
    if (step === "no_step") throw new ApiError(404, "step_not_found", `run ${c.req.param("id")} has no step "${key}"; GET the run to see its step keys (URL-encode the key)`);
    return c.body(step, 200, { "content-type": "application/json; charset=UTF-8" });
  });

  // A new run of the same workflow and input, keeping the steps that completed before fromStep.
  api.post("/runs/:id/restart", limitSmallBody, async (c) => {
    const text = await readText(c);
    const body = parse(RestartBody, text.trim() === "" ? {} : parseJson(text));
    const header = c.req.header("Idempotency-Key");
    const idempotencyKey = header === undefined ? null : parse(IdempotencyKey, header);
    const id = idempotencyKey === null ? crypto.randomUUID() : await runIdFromKey(idempotencyKey);
    const result = await runStub(c).restart({ id, fromStep: body.fromStep, idempotencyKey, origin: new URL(c.req.url).origin });
    if (result.status === "run_not_found") throw runNotFound(c.req.param("id"));
    if (result.status === "step_not_found") throw new ApiError(404, "step_not_found", `run ${c.req.param("id")} has no step "${body.fromStep ?? ""}"; GET the run to see its step keys`);
    if (result.status === "run_not_active") throw new ApiError(409, "run_not_active", `run ${result.run.id} is ${result.run.status}; only an ended run can be restarted`);
    if (result.conflict) throw new ApiError(409, "idempotency_conflict", `Idempotency-Key "${idempotencyKey}" was used for run ${id} with a different workflow or input`);
    return c.json({ id: result.run.id, restartOf: c.req.param("id"), fromStep: result.fromStep, status: result.run.status }, result.created ? 201 : 200);
  });

  api.delete("/runs/:id", async (c) => {
    const result = await runStub(c).remove();
    if (result.status === "run_not_found") throw runNotFound(c.req.param("id"));
    if (result.status === "run_not_active") throw new ApiError(409, "run_not_active", `run ${result.run.id} is ${result.run.status}; cancel it first, or wait for it to end`);
    if (result.status === "busy") throw new ApiError(409, "run_busy", `run ${c.req.param("id")} is still telling its parent or the run list how it ended; try again in a few seconds`);
    return c.body(null, 204);
  });

  api.post("/runs/:id/cancel", async (c) => {
    const result = await runStub(c).cancel();
    if (result.status === "not_found") throw runNotFound(c.req.param("id"));
    if (result.status === "not_active") {
      throw new ApiError(409, "run_not_active", `run ${result.run.id} already ended as ${result.run.status}`);
    }
    return c.json(result.run);
  });

  // Step keys contain `/`, `#` and `[`: clients percent-encode them; the pattern takes the rest of the path.
  api.post("/runs/:id/approvals/:key{.+}", limitSmallBody, async (c) => {
    const decision = parse(DecisionBody, await readJson(c));
    const key = c.req.param("key");
    const result = await runStub(c).decide(key, decision);
    switch (result.status) {
      case "decided":
        return c.json({ key, ...result.result });
      case "run_not_found":
        throw runNotFound(c.req.param("id"));
      case "approval_not_found":
        throw new ApiError(404, "approval_not_found", `run ${c.req.param("id")} has no approval "${key}"; GET the run to see its approvals`);
      case "run_not_active":
        throw new ApiError(409, "run_not_active", `run ${result.run.id} already ended as ${result.run.status}`);
      case "already_decided":
        throw new ApiError(409, "approval_already_decided", `approval "${key}" was already decided${result.result ? ` (${result.result.decision} at ${result.result.decidedAt})` : ""}`);
    }
  });

  // Accepted: settled the oldest wait for it, or kept for the first wait that comes.
  api.post("/runs/:id/events/:name", limitBody, async (c) => {
    const name = c.req.param("name");
    if (!EVENT_NAME.test(name)) {
      throw new ApiError(400, "invalid_request", `"${name}" is not an event name: 1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit`);
    }
    const body = parse(EventBody, await readJson(c));
    const result = await runStub(c).sendEvent(name, body.payload as Json | undefined);
    if (result.status === "run_not_found") throw runNotFound(c.req.param("id"));
    if (result.status === "run_not_active") throw new ApiError(409, "run_not_active", `run ${result.run.id} already ended as ${result.run.status}; it takes no events`);
    return c.json({ name, deliveredTo: result.deliveredTo }, 202);
  });

  api.get("/workflows", async (c) => c.json({ workflows: await workflowEntries(c.env) }));

  app.route("/api", api);
  app.use("/approvals/*", pageHeaders(), sameOriginPosts(refusedCrossSite), limitPageBody(MAX_SMALL_BODY_BYTES, tooLarge));
  app.route("/approvals", approvalRoutes());
  app.route("/", consoleRoutes());
  return app;
}

/** Starts a run of a workflow or script (honouring Idempotency-Key) and answers it. */
async function startRun(c: Context<AppEnv>, workflow: string, input: Json | undefined): Promise<Response> {
  const header = c.req.header("Idempotency-Key");
  const idempotencyKey = header === undefined ? null : parse(IdempotencyKey, header);
  const id = idempotencyKey === null ? crypto.randomUUID() : await runIdFromKey(idempotencyKey);
  const stub = c.env.RUNS.get(c.env.RUNS.idFromName(id));
  const origin = new URL(c.req.url).origin;
  const result = await stub.start({ id, workflow, input, idempotencyKey, origin });
  if (result.conflict) {
    throw new ApiError(409, "idempotency_conflict", `Idempotency-Key "${idempotencyKey}" was used for run ${id} with a different workflow or input`);
  }
  return c.json(result.run, result.created ? 201 : 200);
}

function runStub(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  if (!RUN_ID.test(id)) throw runNotFound(id);
  return c.env.RUNS.get(c.env.RUNS.idFromName(id));
}

function runNotFound(id: string | undefined): ApiError {
  return new ApiError(404, "run_not_found", `no run with id "${id ?? ""}"`);
}

async function readJson(c: Context): Promise<unknown> {
  return parseJson(await readText(c));
}

async function readText(c: Context): Promise<string> {
  try {
    return await c.req.text();
  } catch {
    // The client went away (or its body broke off) mid-send: its problem, not the Worker's, and nobody reads the answer.
    throw new ApiError(400, "invalid_request", "the request body could not be read to its end");
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "the request body is not valid JSON");
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, "invalid_request", z.prettifyError(result.error));
  return result.data;
}
