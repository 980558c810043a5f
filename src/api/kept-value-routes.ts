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

async function answer(c: Context<AppEnv>, id: string, request: KeptValueRequest, value: KeptValue): Promise<Response> {
  switch (value.status) {
    case "no_run":
      throw runNotFound(id);
    case "no_step":
      throw new ApiError(404, "step_not_found", `run ${id} has no step "${request.of === "step" ? request.key : ""}"; GET the run to see its step keys (URL-encode the key)`);
    case "not_completed":
      throw request.of === "step"
        ? new ApiError(409, "step_not_completed", `step "${request.key}" of run ${id} has not completed; only a completed step has an output`)
        : new ApiError(409, "run_not_completed", `run ${id} has not completed; only a completed run has an output (GET the run for its status)`);
    case "inline":
      return c.body(value.json ?? "null", 200, { "content-type": JSON_TYPE });
    case "kept": {
      const object = await c.env.BATON_PAYLOADS?.get(value.ref.key);
      if (!object) throw new ApiError(502, "payload_missing", `the value is kept in BATON_PAYLOADS at "${value.ref.key}", which ${c.env.BATON_PAYLOADS ? "no longer holds it" : "this Worker does not bind"}`);
      return new Response(object.body, { status: 200, headers: { "content-type": JSON_TYPE, "content-length": String(object.size) } });
    }
  }
}
