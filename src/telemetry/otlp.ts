// OTLP/HTTP JSON (opentelemetry-proto's JSON mapping): the spans Baton builds, and the
// ExportTraceServiceRequest body they are posted as. Ids are lowercase hex, times unix
// nanoseconds as strings, 64-bit integers as strings, enums as numbers.

/** An attribute's value as Baton sets them. */
export type AttributeValue = string | number | boolean;

/** Attributes by name (`baton.*`, and OpenTelemetry's own `exception.*`). */
export type Attributes = { [name: string]: AttributeValue | null | undefined };

/** SPAN_KIND_INTERNAL and SPAN_KIND_SERVER. */
export const SPAN_KIND = { internal: 1, server: 2 } as const;

/** STATUS_CODE_UNSET and STATUS_CODE_ERROR. */
export const STATUS_CODE = { unset: 0, error: 2 } as const;

/** A span event: a point in time within the span. */
export interface SpanEvent {
  name: string;
  at: number;
  attributes: Attributes;
}

/** A link to another span (a child run's root). */
export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/** A finished span, times in ms since the epoch. */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: (typeof SPAN_KIND)[keyof typeof SPAN_KIND];
  start: number;
  end: number;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
  /** Null: unset (succeeded); else the error's message. */
  error: string | null;
}

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

interface KeyValue {
  key: string;
  value: AnyValue;
}

/** The ExportTraceServiceRequest body of `spans`, from the service `serviceName`. */
export function otlpBody(spans: readonly Span[], serviceName: string, scopeVersion: string | null): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: keyValues({ "service.name": serviceName }) },
        scopeSpans: [{ scope: { name: "baton", ...(scopeVersion ? { version: scopeVersion } : {}) }, spans: spans.map(otlpSpan) }],
      },
    ],
  });
}

function otlpSpan(span: Span) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: nanos(span.start),
    endTimeUnixNano: nanos(Math.max(span.start, span.end)),
    attributes: keyValues(span.attributes),
    events: span.events.map((event) => ({ timeUnixNano: nanos(event.at), name: event.name, attributes: keyValues(event.attributes) })),
    links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId, attributes: keyValues(link.attributes) })),
    status: span.error === null ? { code: STATUS_CODE.unset } : { code: STATUS_CODE.error, message: span.error },
  };
}

/** Milliseconds as unix nanoseconds, exact (BigInt: ms × 10⁶ passes 2⁵³). */
function nanos(ms: number): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}

function keyValues(attributes: Attributes): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue;
    out.push({ key, value: anyValue(value) });
  }
  return out;
}

function anyValue(value: AttributeValue): AnyValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}
