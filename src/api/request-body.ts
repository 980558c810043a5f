// Reading a request's JSON body: UTF-8 only, valid JSON within the depth and number
// limits every stored value keeps, checked against a zod schema; each refusal a 400
// with a stable code that says what to fix.

import type { Context } from "hono";
import * as z from "zod/mini";
import { receivedJsonProblem } from "baton-workflows/engine";
import { ApiError } from "./api-error.ts";

/** The request's body as JSON. */
export async function readJson(c: Context): Promise<unknown> {
  return parseJson(await readText(c));
}

/** The request's body as UTF-8 text. */
export async function readText(c: Context): Promise<string> {
  let bytes: ArrayBuffer;
  try {
    bytes = await c.req.arrayBuffer();
  } catch {
    // The client went away (or its body broke off) mid-send: its problem, not the Worker's, and nobody reads the answer.
    throw new ApiError(400, "invalid_request", "the request body could not be read to its end");
  }
  try {
    // Fatal: bytes that are not UTF-8 are refused, not turned into U+FFFD.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_json", "the request body is not UTF-8 text; send JSON encoded as UTF-8");
  }
}

/** Parses JSON text a client sent. */
export function parseJson(text: string): unknown {
  const value = parseJsonParts(text);
  // Refused here, where it is cheap: deeper values break parsers and serializers further on, and 1e400 would be kept as null.
  const problem = receivedJsonProblem(value);
  if (problem) throw new ApiError(400, "invalid_json", `the request body ${problem}`);
  return value;
}

/**
 * Parses JSON text whose parts are checked one by one later (a batch's items): no depth or
 * number check of the whole, which would refuse every item for one item's input. JSON.parse
 * itself does not recurse, so a deep body cannot overflow it.
 */
export function parseJsonParts(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "the request body is not valid JSON");
  }
}

/** An optional JSON body checked against `schema`: an empty (or blank) body is `{}`. */
export async function readOptional<T>(c: Context, schema: z.ZodMiniType<T>): Promise<T> {
  const text = await readText(c);
  return parse(schema, text.trim() === "" ? {} : parseJson(text));
}

/** Checks a value against a schema: 400 invalid_request naming what is wrong. */
export function parse<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, "invalid_request", z.prettifyError(result.error));
  return result.data;
}
