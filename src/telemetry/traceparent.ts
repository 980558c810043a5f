// W3C Trace Context's `traceparent` header: `00-<trace id>-<parent span id>-<flags>`,
// lowercase hex. A receiver ignores a header it cannot parse (the W3C rule), so a
// malformed one on a start is dropped, not refused: the run starts its own trace.

/** A parsed traceparent: the caller's trace, its span, and the flags it sent. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** Two hex digits; "01" is sampled. */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** The header's trace and span, or null when it is missing or malformed (all-zero ids, version ff, extra fields on version 00). */
export function parseTraceparent(header: string | null | undefined): TraceParent | null {
  if (typeof header !== "string") return null;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return null;
  const [, version = "", traceId = "", spanId = "", flags = "", rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, flags };
}

/** The header for a span of `traceId` (version 00). */
export function formatTraceparent(traceId: string, spanId: string, flags = "01"): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

/** The header as Baton stores it: version 00 of a valid one, or null. */
export function normalTraceparent(header: string | null | undefined): string | null {
  const parsed = parseTraceparent(header);
  return parsed ? formatTraceparent(parsed.traceId, parsed.spanId, parsed.flags) : null;
}
