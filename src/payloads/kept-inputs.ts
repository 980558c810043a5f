// What the API takes with a BATON_PAYLOADS bucket: request bodies (a run's input, an
// event's payload) up to 100 MB, what Workers accept, instead of 1 MiB; a value over
// 128 KiB is written to the bucket under its run's prefix before the run object hears
// of it, and travels there by reference (an RPC carries at most 32 MiB).

import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Json, PayloadRef } from "baton-workflows/engine";
import { ApiError } from "../api/api-error.ts";
import { MAX_INPUT_BYTES, MAX_KEPT_INPUT_BYTES } from "../api/payload-schemas.ts";
import type { Env } from "../env.ts";
import { largeText, payloadStoreOf } from "./payload-store.ts";

/** The largest request body (and so input or payload) this Worker takes: 100 MB with a BATON_PAYLOADS bucket, else 1 MiB. */
export function inputLimit(env: Env): number {
  return env.BATON_PAYLOADS ? MAX_KEPT_INPUT_BYTES : MAX_INPUT_BYTES;
}

/** What to add to a 413's message without a bucket: how to lift the limit. */
export function liftHint(env: Env): string {
  return env.BATON_PAYLOADS ? "pass larger data by reference" : "bind an R2 bucket as BATON_PAYLOADS to send up to 100 MB, or pass large data by reference";
}

/** The body limit of the routes that take an input or a payload (POST /api/runs, events), per the Worker's bucket. */
export const limitInputBody: MiddlewareHandler<{ Bindings: Env }> = (c, next) =>
  bodyLimit({
    maxSize: inputLimit(c.env),
    onError: () => {
      throw new ApiError(413, "payload_too_large", `the request body is over ${inputLimit(c.env)} bytes; ${liftHint(c.env)}`);
    },
  })(c, next);

/** An event's payload as the run takes it: over 128 KiB (with a bucket), within the run's 10 GiB, written to the bucket first; past the 10 GiB a 413. */
export async function keptEvent(env: Env, run: { payloadRoom(bytes: number, what: string): Promise<string | null> }, runId: string, payload: Json | undefined): Promise<{ value: Json | undefined; ref?: PayloadRef }> {
  const text = env.BATON_PAYLOADS ? largeText(payload) : null;
  if (text === null) return { value: payload };
  const refusal = await run.payloadRoom(text.length, "the event's payload");
  if (refusal) throw new ApiError(413, "payload_too_large", refusal);
  return keptForRun(env, runId, payload, "event");
}

/** `value` as the run object takes it: inline, or (over 128 KiB, with a bucket) written to the bucket first and passed by reference. */
export async function keptForRun(env: Env, runId: string, value: Json | undefined, what: "input" | "event"): Promise<{ value: Json | undefined; ref?: PayloadRef }> {
  const store = payloadStoreOf(env);
  const text = store ? largeText(value) : null;
  if (!store || text === null) return { value };
  return { value: undefined, ref: await store.keep(runId, text, what) };
}
