// The Worker's routes: the console's pages at /, approval pages at /approvals, signed event URLs at /events, and the
// HTTP API at /api (all under the host's base path, if it set one), each route declared with its schemas in routes.ts (and so in
// /api/openapi.json) and served here. JSON in and out, every error as
// `{error: {code, message}}`, and a rejected request changes nothing.

import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { DecisionView, EventSentView, RestartView, RunSummary, WorkersList as WorkersListView, WorkflowList } from "baton-workflows/client";
import type { Env } from "../env.ts";
import { registry } from "../registry.ts";
import { DEV_STACK_PATH, devStackEcho, devStacksOf } from "./dev-stacks.ts";
import { decodeCursor } from "../run-list/run-index.ts";
import { listRuns } from "../run-list/run-list.ts";
import { cancelRun, decideRun, invalidInput, knownRun, pauseOrResumeRun, runNotFound, sendRunEvent, startRun, type StartOptions } from "./run-actions.ts";
import { runIdFromKey } from "../runs/run-ids.ts";
import { host } from "../host.ts";
import { workflowEntries } from "../schedules/schedule-view.ts";
import { ApiError } from "./api-error.ts";
import { parse, parseJson, parseJsonParts, readJson, readOptional, readText } from "./request-body.ts";
import { startMany } from "./batch-starts.ts";
import { serveQueries } from "./queries.ts";
import { serveUpdates } from "./updates.ts";
import { BatchEnvelope, MAX_BATCH_BODY_BYTES } from "./batch-schemas.ts";
import { CancelBody } from "./cancel-body.ts";
import { requireToken } from "./auth.ts";
import { workerApi } from "../remote/worker-api.ts";
import { workersSeen } from "../remote/workers-view.ts";
import * as routes from "./routes.ts";
// Generated from routes.ts and schemas.ts by `npm run api-types` (a test fails while it is stale).
import { liveOpenApiDocument } from "./openapi-live.ts";
import { DecisionBody, EventBody, EventNameParam, IdempotencyKey, ListQuery, MAX_SMALL_BODY_BYTES, RestartBody, ScriptBody, StepsQuery } from "./schemas.ts";
import { StartBody } from "./start-schemas.ts";
import { decodeStepsCursor } from "../runs/run-views.ts";
import { runEventsAnswer, runStreamAnswer } from "./event-stream.ts";
import { approvalRoutes } from "../approvals/approval-routes.tsx";
import { eventUrlRoutes } from "../event-urls/event-url-routes.ts";
import { consoleRoutes, refusedCrossSite, tooLarge } from "../console/console-routes.tsx";
import { limitBody as limitPageBody, pageHeaders, sameOriginPosts } from "../console/security.ts";
import { keptValueRoute } from "./kept-value-routes.ts";
import { limitInputBody } from "../payloads/kept-inputs.ts";

type AppEnv = { Bindings: Env };

/** Builds the Worker's Hono app, its routes under the host's base path (host.basePath). */
export function createApp(): Hono<AppEnv> {
  // Under a base path, "/baton" and "/baton/" are both the console's front page.
  const root = new Hono<AppEnv>(host.basePath ? { strict: false } : {});
  // Shares the root's routes: every route below is registered under the base path.
  const app = host.basePath ? root.basePath(host.basePath) : root;

  root.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.body(), error.status);
    if (error instanceof HTTPException) return error.getResponse();
    console.error(`baton: unhandled API error: ${error.name}: ${error.message}`);
    return c.json(new ApiError(500, "internal_error", "internal error; see the Worker's logs").body(), 500);
  });
  root.notFound((c) => c.json(new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`).body(), 404));
  // A known path asked with the wrong method gets 405 and Allow (HEAD with GET), not a 404. Hono's
  // middleware reads the routes from `root` and wraps every route, so it goes before them all; the
  // methods are sorted so Allow does not depend on the order the routes are declared in.
  root.use(
    methodNotAllowed({
      app: root,
      onMethodNotAllowed: (c, methods) => {
        const allow = methods.toSorted().join(", ");
        return c.json(new ApiError(405, "method_not_allowed", `${c.req.path} does not take ${c.req.method}; it takes ${allow}`).body(), 405, { Allow: allow });
      },
    }),
  );

  app.post(DEV_STACK_PATH, devStackEcho);

  const api = new Hono<AppEnv>();
  // The document describes the API, not any deployment's data: readable without a token.
  api.get(honoPath(routes.openApiDocumentRoute), (c) => c.json(liveOpenApiDocument()));
  // The worker protocol has its own token: mounted before the API token's check, which would refuse it.
  api.route("/worker/v1", workerApi());
  api.use("*", requireToken());

  /** Serves `route` (declared in routes.ts, so it is in the document) with these handlers. */
  const serve = (route: routes.RouteSpec, ...handlers: MiddlewareHandler<AppEnv>[]) => {
    api.on([route.method.toUpperCase()], [honoPath(route)], ...handlers);
  };

  // 1 MiB, or 100 MB with a BATON_PAYLOADS bucket (large values are kept there).
  const limitBody = limitInputBody;

  const limitBatchBody = bodyLimit({
    maxSize: MAX_BATCH_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `the request body is over ${MAX_BATCH_BODY_BYTES} bytes; split the batch`);
    },
  });

  // A decision is a flag and a comment of at most 2,000 characters.
  const limitSmallBody = bodyLimit({
    maxSize: MAX_SMALL_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `the request body is over ${MAX_SMALL_BODY_BYTES} bytes`);
    },
  });

  serve(routes.startRun, limitBody, async (c) => {
    const body = parse(StartBody, await readJson(c));
    return answerStart(c, await startRun(c.env, body.workflow, body.input, { ...startOptions(c), debounce: body.debounce, singleton: body.singleton }));
  });

  // Each item answered on its own (errors as data), so the batch itself is 200 once its shape is right.
  serve(routes.startRunBatch, limitBatchBody, async (c) => {
    const body = parse(BatchEnvelope, parseJsonParts(await readText(c)));
    const traceparent = c.req.header("traceparent") ?? null;
    return c.json({ runs: await startMany(c.env, body.runs, { origin: new URL(c.req.url).origin, traceparent }) });
  });

  // A script run: one task running the script at the path, with `args`.
  serve(routes.startScriptRun, limitBody, async (c) => {
    const body = parse(ScriptBody, await readJson(c));
    return answerStart(c, await startRun(c.env, c.req.param("path") ?? "", body.args, startOptions(c), "script"));
  });

  serve(routes.listRuns, async (c) => {
    const query = parse(ListQuery, c.req.query());
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new ApiError(400, "invalid_request", "cursor is not one this API returned");
    const { workflow, status, parentId, createdAfter, createdBefore, limit } = query;
    return c.json(await listRuns(c.env, { workflow, status, parentId, createdAfter, createdBefore, limit, after }));
  });

  // The run object answers its detail already as JSON text.
  // Before getRun: "stream" is not a run id.
  serve(routes.streamRuns, (c) => runStreamAnswer(c));

  serve(routes.getRun, async (c) => {
    const run = await (await knownRunOf(c)).describe();
    if (run === null) throw runNotFound(c.req.param("id"));
    return c.body(await devStacksOf(c, run), 200, { "content-type": "application/json; charset=UTF-8" });
  });

  serve(routes.listSteps, async (c) => {
    const query = parse(StepsQuery, c.req.query());
    const offset = query.cursor === undefined ? 0 : decodeStepsCursor(query.cursor);
    if (offset === null) throw new ApiError(400, "invalid_request", "cursor is not one this API returned");
    const page = await (await knownRunOf(c)).steps(offset, query.limit);
    if (page === null) throw runNotFound(c.req.param("id"));
    return c.body(await devStacksOf(c, page), 200, { "content-type": "application/json; charset=UTF-8" });
  });

  // Values views show by reference (KeptValueView), streamed whatever their size (before getStep, whose key may hold a slash).
  serve(routes.getRunInput, keptValueRoute(() => ({ of: "input" })));
  serve(routes.getRunOutput, keptValueRoute(() => ({ of: "output" })));
  serve(routes.getStepOutput, keptValueRoute((c) => ({ of: "step", key: c.req.param("key") ?? "" })));

  serve(routes.getStep, async (c) => {
    const key = c.req.param("key") ?? "";
    const step = await (await knownRunOf(c)).stepDetail(key);
    if (step === "no_run") throw runNotFound(c.req.param("id"));
    if (step === "no_step") throw new ApiError(404, "step_not_found", `run ${c.req.param("id") ?? ""} has no step "${key}"; GET the run to see its step keys (URL-encode the key)`);
    return c.body(await devStacksOf(c, step), 200, { "content-type": "application/json; charset=UTF-8" });
  });

  // A new run of the same workflow and input, keeping the steps that completed before fromStep.
  serve(routes.restartRun, limitSmallBody, async (c) => {
    const text = await readText(c);
    const body = parse(RestartBody, text.trim() === "" ? {} : parseJson(text));
    const idempotencyKey = idempotencyKeyOf(c);
    const id = idempotencyKey === null ? crypto.randomUUID() : await runIdFromKey(idempotencyKey);
    const result = await (await knownRunOf(c)).restart({ id, fromStep: body.fromStep, idempotencyKey, origin: new URL(c.req.url).origin });
    if (result.status === "run_not_found") throw runNotFound(c.req.param("id"));
    if (result.status === "step_not_found") throw new ApiError(404, "step_not_found", `run ${c.req.param("id") ?? ""} has no step "${body.fromStep ?? ""}"; GET the run to see its step keys`);
    if (result.status === "invalid_input") throw invalidInput(result.issues);
    if (result.status === "run_not_active") throw new ApiError(409, "run_not_active", `run ${result.run.id} is ${result.run.status}; only an ended run can be restarted`);
    if (result.conflict) throw new ApiError(409, "idempotency_conflict", `Idempotency-Key "${idempotencyKey ?? ""}" was used for run ${id} with a different workflow or input`);
    const view: RestartView = { id: result.run.id, restartOf: c.req.param("id") ?? "", fromStep: result.fromStep, status: result.run.status };
    return c.json(view, result.created ? 201 : 200);
  });

  serve(routes.deleteRun, async (c) => {
    const result = await (await knownRunOf(c)).remove();
    if (result.status === "run_not_found") throw runNotFound(c.req.param("id"));
    if (result.status === "run_not_active") throw new ApiError(409, "run_not_active", `run ${result.run.id} is ${result.run.status}; cancel it first, or wait for it to end`);
    if (result.status === "busy") throw new ApiError(409, "run_busy", `run ${c.req.param("id") ?? ""} is still telling its parent or the run list how it ended; try again in a few seconds`);
    return c.body(null, 204);
  });

  serve(routes.runEvents, (c) => runEventsAnswer(c));
  serve(routes.cancelRun, limitSmallBody, async (c) => c.json((await cancelRun(c.env, c.req.param("id") ?? "", await readOptional(c, CancelBody))) satisfies RunSummary));
  serve(routes.pauseRun, async (c) => c.json((await pauseOrResumeRun(c.env, c.req.param("id") ?? "", "pause")) satisfies RunSummary));
  serve(routes.resumeRun, async (c) => c.json((await pauseOrResumeRun(c.env, c.req.param("id") ?? "", "resume")) satisfies RunSummary));

  serve(routes.decideApproval, limitSmallBody, async (c) => {
    const decision = parse(DecisionBody, await readJson(c));
    return c.json((await decideRun(c.env, c.req.param("id") ?? "", c.req.param("key") ?? "", decision)) satisfies DecisionView);
  });

  // Accepted: settled the oldest wait for it, or kept for the first wait that comes.
  // With an Idempotency-Key, a retry (same name and payload) is answered as the first send was and delivers nothing.
  serve(routes.sendEvent, limitBody, async (c) => {
    const name = parse(EventNameParam, c.req.param("name"));
    const body = parse(EventBody, await readJson(c));
    return c.json((await sendRunEvent(c.env, c.req.param("id") ?? "", name, body.payload, idempotencyKeyOf(c))) satisfies EventSentView, 202);
  });

  serveQueries(api, honoPath);
  serveUpdates(api, honoPath, limitBody);

  serve(routes.listWorkflows, async (c) =>
    c.json({ workflows: await workflowEntries(c.env), buildFailures: registry.buildFailures().map(([name, failure]) => ({ name, ...failure })) } satisfies WorkflowList),
  );

  serve(routes.listWorkers, async (c) => c.json((await workersSeen(c.env)) satisfies WorkersListView));

  app.route("/api", api);
  app.use("/approvals/*", pageHeaders(), sameOriginPosts(refusedCrossSite), limitPageBody(MAX_SMALL_BODY_BYTES, tooLarge));
  app.route("/approvals", approvalRoutes());
  // Signed event URLs: the token is the credential, so they are outside /api and its token.
  app.route("/events", eventUrlRoutes());
  app.route("/", consoleRoutes());
  return root;
}

/** How the request names its run: its Idempotency-Key, its origin for approval links, and the caller's trace (traceparent). */
function startOptions(c: Context<AppEnv>): StartOptions {
  return { idempotencyKey: idempotencyKeyOf(c), origin: new URL(c.req.url).origin, traceparent: c.req.header("traceparent") ?? null };
}

/** A start's answer: 201 for a new run, 200 for the one an Idempotency-Key already started. */
function answerStart(c: Context<AppEnv>, started: { created: boolean; run: RunSummary }): Response {
  return c.json(started.run, started.created ? 201 : 200);
}

/**
 * The Hono path of a declared route, inside the /api app: `{id}` → `:id`; a step key or
 * script path (which may hold `/`) takes the rest of the path.
 */
function honoPath(route: routes.RouteSpec): string {
  return route.path.replace(/^\/api/, "").replace(/\{(\w+)\}/g, (_, name: string) => (name === "key" || name === "path" ? `:${name}{.+}` : `:${name}`));
}

/** The run object the request names once the run is known (listed): else 404, and no object is woken (which would create its storage). */
function knownRunOf(c: Context<AppEnv>) {
  return knownRun(c.env, c.req.param("id") ?? "");
}

/** The request's Idempotency-Key, checked; null when it sent none. */
function idempotencyKeyOf(c: Context<AppEnv>): string | null {
  const header = c.req.header("Idempotency-Key");
  return header === undefined ? null : parse(IdempotencyKey, header);
}
