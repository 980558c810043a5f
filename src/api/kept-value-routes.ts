// The downloads of values that views show by reference (KeptValueView): a run's input
// or output, a step's result. A kept value is streamed from the BATON_PAYLOADS bucket
// as stored (its JSON), an inline one answered as its JSON, so a client follows one
// href whatever the size.

import type { Context } from "hono";
import type { Env } from "../env.ts";
import type { KeptValue, KeptValueRequest } from "../runs/kept-values.ts";
import { ApiError } from "./api-error.ts";
import { knownRun, runNotFound } from "./run-actions.ts";

type AppEnv = { Bindings: Env };

const JSON_TYPE = "application/json; charset=UTF-8";

/** The handler of a download route: which value of the run it streams. */
export function keptValueRoute(which: (c: Context<AppEnv>) => KeptValueRequest) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const id = c.req.param("id") ?? "";
    const request = which(c);
    const value = await (await knownRun(c.env, id)).keptValue(request);
    return answer(c, id, request, value);
  };
}

/** A completed run's output, loaded from BATON_PAYLOADS when kept there: createBaton().output and BatonService.output. */
export async function runOutput(env: Env, id: string): Promise<unknown> {
  const value = await (await knownRun(env, id)).keptValue({ of: "output" });
  if (value.status === "inline") return value.json === null ? null : (JSON.parse(value.json) as unknown);
  if (value.status !== "kept") throw refusal(id, { of: "output" }, value.status);
  const object = await env.BATON_PAYLOADS?.get(value.ref.key);
  if (!object) throw missing(env, value.ref.key);
  return JSON.parse(await object.text()) as unknown;
}

function refusal(id: string, request: KeptValueRequest, status: "no_run" | "no_step" | "not_completed"): ApiError {
  if (status === "no_run") return runNotFound(id);
  if (status === "no_step") return new ApiError(404, "step_not_found", `run ${id} has no step "${request.of === "step" ? request.key : ""}"; GET the run to see its step keys (URL-encode the key)`);
  return request.of === "step"
    ? new ApiError(409, "step_not_completed", `step "${request.key}" of run ${id} has not completed; only a completed step has an output`)
    : new ApiError(409, "run_not_completed", `run ${id} has not completed; only a completed run has an output (GET the run for its status)`);
}

function missing(env: Env, key: string): ApiError {
  return new ApiError(502, "payload_missing", `the value is kept in BATON_PAYLOADS at "${key}", which ${env.BATON_PAYLOADS ? "no longer holds it" : "this Worker does not bind"}`);
}

async function answer(c: Context<AppEnv>, id: string, request: KeptValueRequest, value: KeptValue): Promise<Response> {
  switch (value.status) {
    case "no_run":
    case "no_step":
    case "not_completed":
      throw refusal(id, request, value.status);
    case "inline":
      return c.body(value.json ?? "null", 200, { "content-type": JSON_TYPE });
    case "kept": {
      const object = await c.env.BATON_PAYLOADS?.get(value.ref.key);
      if (!object) throw missing(c.env, value.ref.key);
      return new Response(object.body, { status: 200, headers: { "content-type": JSON_TYPE, "content-length": String(object.size) } });
    }
  }
}
