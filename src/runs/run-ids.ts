// Run ids. A run started with an idempotency key (a client's Idempotency-Key, or a
// schedule's tick) gets an id derived from the key, so the same key always reaches the
// same run object and a repeated start finds the run the first one made.

import { canonicalJson, type Json } from "baton-workflows/engine";

/** A run id derived from an idempotency key: the key's SHA-256, shaped like a UUID. */
export async function runIdFromKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`idempotency:${key}`)));
  const hex = [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A fingerprint of a request body (its canonical JSON's SHA-256, hex), to tell a retried request from another under one Idempotency-Key. */
export async function fingerprintOf(value: Json | undefined): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(value ?? null))));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
