// A run's trace and span ids, derived rather than stored: the trace id is 16 bytes of
// SHA-256 of the run id (unless a caller's traceparent gave the run its trace), the
// root span's and every attempt's span id 8 bytes of SHA-256 of the run id, the step
// key and the attempt. So a replay, a restart of the object or an eviction gives the
// same ids, and nothing is stored per span. Hashed synchronously (node:crypto, under
// the nodejs_compat flag Baton needs anyway): an inline step's closure learns its span
// in the turn it starts. The digest is SHA-256 as Web Crypto computes it.

import { createHash } from "node:crypto";
import { formatTraceparent, parseTraceparent } from "./traceparent.ts";

/** Where a run's spans go: its trace, its root span, and the span the root hangs under (a caller's), if any. */
export interface RunTrace {
  traceId: string;
  rootSpanId: string;
  parentSpanId: string | null;
  flags: string;
}

/** The first `bytes` bytes of SHA-256 of `text`, as lowercase hex (never all zero, which W3C forbids). */
function digestHex(text: string, bytes: number): string {
  const hex = createHash("sha256").update(text).digest("hex").slice(0, bytes * 2);
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** The trace id a run without a caller's traceparent has. */
export function traceIdOf(runId: string): string {
  return digestHex(runId, 16);
}

/** The span id of attempt `attempt` of the step at `key` of run `runId`. */
export function spanIdOf(runId: string, key: string, attempt: number): string {
  return digestHex(`${runId}\n${key}\n${attempt}`, 8);
}

/** The span id of the run's root span (no step has the empty key). */
export function rootSpanIdOf(runId: string): string {
  return spanIdOf(runId, "", 0);
}

/** The trace of run `runId`, started under `traceparent` (as stored) or in a trace of its own. */
export function runTraceOf(runId: string, traceparent: string | null): RunTrace {
  const parent = parseTraceparent(traceparent);
  return {
    traceId: parent?.traceId ?? traceIdOf(runId),
    rootSpanId: rootSpanIdOf(runId),
    parentSpanId: parent?.spanId ?? null,
    flags: parent?.flags ?? "01",
  };
}

/** The traceparent of an attempt's span: what its task message carries and its closure sees. */
export function attemptTraceparentOf(trace: RunTrace, runId: string, key: string, attempt: number): string {
  return formatTraceparent(trace.traceId, spanIdOf(runId, key, attempt), trace.flags);
}

/** The traceparent of a run's root span: what a child run (or a restart) starts under. */
export function rootTraceparentOf(trace: RunTrace): string {
  return formatTraceparent(trace.traceId, trace.rootSpanId, trace.flags);
}
