// Sending an update to a run's body and reading it again, for every way in: the HTTP
// API, createBaton().update and BatonService.update all come here, so each gets the
// same checks and errors.

import { EVENT_NAME } from "baton-workflows";
import type { Json, UpdateView as EngineUpdateView } from "baton-workflows/engine";
import type { Hono, MiddlewareHandler } from "hono";
import type { UpdateAnswered, UpdatePending, UpdateView } from "baton-workflows/client";
import type { Env } from "../env.ts";
import { fingerprintOf } from "../runs/run-ids.ts";
import { errorSummary } from "../runs/run-events.ts";
import { ApiError } from "./api-error.ts";
import { parse, parseJson, readText } from "./request-body.ts";
import { checkedJson, knownRun, runNotFound } from "./run-actions.ts";
import { IDEMPOTENCY_KEY } from "./schemas.ts";
import { getUpdate as getRoute, sendUpdate as sendRoute, UPDATE_ID, UpdateBody, UpdateIdParam, UpdateNameParam } from "./update-schemas.ts";

/**
 * Sends the update `name` with `arg` (any JSON; undefined is null) to run `id` and waits
 * for the handler's answer: its result, or pending once 20 s passed. With an
 * Idempotency-Key, a repeat (same name and arg) answers as the first and applies nothing.
 */
export async function updateRun(env: Env, id: string, name: string, arg?: unknown, idempotencyKey: string | null = null): Promise<UpdateAnswered | UpdatePending> {
  if (typeof name !== "string" || !EVENT_NAME.test(name)) throw new ApiError(400, "invalid_request", 'an update name is 1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
  if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) throw new ApiError(400, "invalid_request", "Idempotency-Key must be 1 to 255 visible ASCII characters");
  const checked = checkedJson(arg, "update's arg") ?? null;
  const once = idempotencyKey === null ? undefined : { key: idempotencyKey, fingerprint: await fingerprintOf({ update: name, arg: checked }) };
  const result = await (await knownRun(env, id)).update(name, checked, once);
  switch (result.status) {
    case "answered": {
      const view = JSON.parse(result.view) as EngineUpdateView;
      if (view.status === "failed") throw new ApiError(422, "update_failed", `update "${name}" threw ${view.error.name}: ${view.error.message} (update ${view.updateId}; the run goes on)`);
      return { updateId: view.updateId, result: view.status === "completed" ? view.result : null };
    }
    case "pending":
      return { updateId: result.updateId, status: "pending" };
    case "run_not_found":
      throw runNotFound(id);
    case "run_not_active":
      throw new ApiError(409, "run_not_active", `run ${id} has ended; an ended run takes no updates`);
    case "update_unavailable":
      throw new ApiError(409, "update_unavailable", result.message);
    case "update_not_found":
      throw new ApiError(404, "update_not_found", `run ${id}'s body has defined no update "${name}"; it has defined: ${result.names.join(", ") || "none yet"}. Nothing was recorded`);
    case "update_rejected":
      throw new ApiError(422, "update_rejected", `${result.message}. Nothing was recorded`);
    case "idempotency_conflict":
      throw new ApiError(409, "idempotency_conflict", `Idempotency-Key "${idempotencyKey ?? ""}" was used for another update to run ${id} (another name or arg)`);
  }
}

/** Where update `updateId` of run `id` stands. */
export async function readRunUpdate(env: Env, id: string, updateId: string): Promise<UpdateView> {
  if (typeof updateId !== "string" || !UPDATE_ID.test(updateId)) throw new ApiError(400, "invalid_request", "an update id is the UUID POST /api/runs/{id}/updates/{name} answered");
  const answer = await (await knownRun(env, id)).updateStatus(updateId);
  if (answer === "no_run") throw runNotFound(id);
  if (answer === "no_update") throw new ApiError(404, "update_not_found", `run ${id} has no update ${updateId}`);
  const view = JSON.parse(answer) as EngineUpdateView;
  if (view.status === "failed") return { updateId: view.updateId, name: view.name, status: "failed", error: errorSummary(view.error) as UpdateView["error"] & object };
  return view.status === "completed" ? { updateId: view.updateId, name: view.name, status: "completed", result: view.result } : view;
}

/** Sends the update and, when it is still pending, reads it every second until the handler answered: its result (createBaton and BatonService wait like this). */
export async function updateAndWait(env: Env, id: string, name: string, arg?: unknown, idempotencyKey: string | null = null): Promise<Json | null> {
  const sent = await updateRun(env, id, name, arg, idempotencyKey);
  if (!("status" in sent)) return sent.result as Json | null;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const view = await readRunUpdate(env, id, sent.updateId);
    if (view.status === "completed") return (view.result ?? null) as Json | null;
    if (view.status === "failed") throw new ApiError(422, "update_failed", `update "${name}" threw ${view.error?.name ?? "Error"}: ${view.error?.message ?? ""} (update ${sent.updateId}; the run goes on)`);
  }
}

/** Serves POST /api/runs/{id}/updates/{name} and GET /api/runs/{id}/updates/{updateId} on the /api app; `limit` bounds the body as an event's is. */
export function serveUpdates(api: Hono<{ Bindings: Env }>, path: (route: typeof sendRoute | typeof getRoute) => string, limit: MiddlewareHandler): void {
  api.post(path(sendRoute), limit, async (c) => {
    const name = parse(UpdateNameParam, c.req.param("update"));
    const text = await readText(c);
    const { arg } = parse(UpdateBody, text.trim() === "" ? {} : parseJson(text));
    const header = c.req.header("Idempotency-Key");
    const sent = await updateRun(c.env, c.req.param("id") ?? "", name, arg, header ?? null);
    return "status" in sent ? c.json(sent satisfies UpdatePending, 202) : c.json(sent satisfies UpdateAnswered, 200);
  });
  api.get(path(getRoute), async (c) => {
    const updateId = parse(UpdateIdParam, c.req.param("update"));
    return c.json((await readRunUpdate(c.env, c.req.param("id") ?? "", updateId)) satisfies UpdateView);
  });
}
