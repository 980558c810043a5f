// The trace building blocks that need no Worker: traceparent parsing, the derived ids,
// the OTLP endpoint and headers settings, and the OTLP JSON encoding.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { otlpBody, SPAN_KIND, type Span } from "../../src/telemetry/otlp.ts";
import { otlpConfig, parseHeaders } from "../../src/telemetry/otlp-config.ts";
import { attemptTraceparentOf, rootSpanIdOf, runTraceOf, spanIdOf, traceIdOf } from "../../src/telemetry/trace-ids.ts";
import { formatTraceparent, normalTraceparent, parseTraceparent } from "../../src/telemetry/traceparent.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("traceparent", () => {
  it("parses a valid header and formats it back", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, flags: "01" });
    expect(parseTraceparent(` 00-${TRACE}-${SPAN}-00 `)).toEqual({ traceId: TRACE, spanId: SPAN, flags: "00" });
    // A later version may carry more fields: its first four are read.
    expect(normalTraceparent(`01-${TRACE}-${SPAN}-01-extra`)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent(TRACE, SPAN)).toBe(`00-${TRACE}-${SPAN}-01`);
  });

  it("refuses malformed headers", () => {
    for (const bad of [
      undefined,
      null,
      "",
      `00-${TRACE}-${SPAN}`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${"0".repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
    ]) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });
});

describe("derived ids", () => {
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");

  it("derives the trace id from the run id and span ids from run, key and attempt", () => {
    expect(traceIdOf("run-1")).toBe(sha("run-1").slice(0, 32));
    expect(spanIdOf("run-1", "a#0", 2)).toBe(sha("run-1\na#0\n2").slice(0, 16));
    expect(rootSpanIdOf("run-1")).toBe(sha("run-1\n\n0").slice(0, 16));
    expect(spanIdOf("run-1", "a#0", 1)).not.toBe(spanIdOf("run-1", "a#0", 2));
  });

  it("takes a caller's trace and span when the run started under one", () => {
    const own = runTraceOf("run-1", null);
    expect(own).toEqual({ traceId: traceIdOf("run-1"), rootSpanId: rootSpanIdOf("run-1"), parentSpanId: null, flags: "01" });
    const joined = runTraceOf("run-1", `00-${TRACE}-${SPAN}-00`);
    expect(joined).toEqual({ traceId: TRACE, rootSpanId: rootSpanIdOf("run-1"), parentSpanId: SPAN, flags: "00" });
    expect(attemptTraceparentOf(joined, "run-1", "a#0", 1)).toBe(`00-${TRACE}-${spanIdOf("run-1", "a#0", 1)}-00`);
  });
});

describe("OTLP settings", () => {
  it("posts to <base>/v1/traces, or to a URL already ending in it", () => {
    expect(otlpConfig({ BATON_OTLP_ENDPOINT: "http://127.0.0.1:4318" })?.url).toBe("http://127.0.0.1:4318/v1/traces");
    expect(otlpConfig({ BATON_OTLP_ENDPOINT: "https://otlp.example.com/otlp/" })?.url).toBe("https://otlp.example.com/otlp/v1/traces");
    expect(otlpConfig({ BATON_OTLP_ENDPOINT: "https://otlp.example.com/v1/traces" })?.url).toBe("https://otlp.example.com/v1/traces");
    expect(otlpConfig({ BATON_OTLP_ENDPOINT: "https://otlp.example.com" })?.serviceName).toBe("baton");
    expect(otlpConfig({ BATON_OTLP_ENDPOINT: "https://otlp.example.com", BATON_OTLP_SERVICE_NAME: "billing" })?.serviceName).toBe("billing");
    expect(otlpConfig({})).toBeNull();
  });

  it("reads headers as OTEL_EXPORTER_OTLP_HEADERS does", () => {
    expect(parseHeaders("api-key=abc%3D%3D, x-team = core ,broken,=nokey")).toEqual({ "api-key": "abc==", "x-team": "core" });
    expect(parseHeaders(undefined)).toEqual({});
  });
});

describe("OTLP JSON", () => {
  it("encodes spans with hex ids, nanosecond strings, typed attributes and an error status", () => {
    const span: Span = {
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: null,
      name: "flaky",
      kind: SPAN_KIND.internal,
      start: 1_700_000_000_123,
      end: 1_700_000_000_456,
      attributes: { "baton.attempt": 2, "baton.outcome": "error", "baton.ratio": 0.5, "baton.cached": false, "baton.none": null },
      events: [{ name: "exception", at: 1_700_000_000_456, attributes: { "exception.type": "TypeError" } }],
      links: [],
      error: "TypeError: boom",
    };
    const body = JSON.parse(otlpBody([span], "baton", null));
    expect(body.resourceSpans[0].resource.attributes).toEqual([{ key: "service.name", value: { stringValue: "baton" } }]);
    expect(body.resourceSpans[0].scopeSpans[0].scope).toEqual({ name: "baton" });
    expect(body.resourceSpans[0].scopeSpans[0].spans[0]).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      name: "flaky",
      kind: 1,
      startTimeUnixNano: "1700000000123000000",
      endTimeUnixNano: "1700000000456000000",
      attributes: [
        { key: "baton.attempt", value: { intValue: "2" } },
        { key: "baton.outcome", value: { stringValue: "error" } },
        { key: "baton.ratio", value: { doubleValue: 0.5 } },
        { key: "baton.cached", value: { boolValue: false } },
      ],
      events: [{ timeUnixNano: "1700000000456000000", name: "exception", attributes: [{ key: "exception.type", value: { stringValue: "TypeError" } }] }],
      links: [],
      status: { code: 2, message: "TypeError: boom" },
    });
  });
});
