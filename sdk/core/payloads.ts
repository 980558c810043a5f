// Values too large for a row of the log: a host with a payload store (the Worker's R2
// bucket, BATON_PAYLOADS) keeps them as objects and the log carries a reference, in a
// field of its own (never inside the user's JSON). The delivery loop loads a referenced
// outcome just before the body receives it, so the body always sees the real value.

import type { ErrorData } from "./error-data.ts";
import type { Json } from "./json.ts";

/** Where a large value is kept: the object's key in the payload store and its size (bytes of JSON). */
export interface PayloadRef {
  key: string;
  bytes: number;
}

/** Loads what a reference points at; the host's payload store. */
export type PayloadLoader = (ref: PayloadRef) => Promise<Json | undefined>;

/** Values whose JSON is larger than this are kept by reference when the host has a payload store. */
export const PAYLOAD_INLINE_BYTES = 128 * 1024;

/** Most bytes of JSON one value may have with a payload store. */
export const MAX_PAYLOAD_BYTES = 100 * 1024 * 1024;

/** Most bytes of kept values one run may hold in the payload store. */
export const MAX_RUN_PAYLOAD_BYTES = 10 * 1024 * 1024 * 1024;

/** True for a well-formed reference (as read back from storage or a message). */
export function isPayloadRef(value: unknown): value is PayloadRef {
  if (value === null || typeof value !== "object") return false;
  const { key, bytes } = value as { key?: unknown; bytes?: unknown };
  return typeof key === "string" && key.length > 0 && typeof bytes === "number" && Number.isSafeInteger(bytes) && bytes >= 0;
}

/** The error a body receives when a referenced value cannot be loaded (the object is gone, or the host has no store). */
export function payloadLoadError(ref: PayloadRef, reason: string): ErrorData {
  return { name: "PayloadError", message: `the value kept at "${ref.key}" (${ref.bytes} bytes) could not be loaded: ${reason}` };
}
