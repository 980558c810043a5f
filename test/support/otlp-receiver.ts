// A loopback OTLP/HTTP receiver for the trace tests (a vitest globalSetup, in Node):
// it decodes every JSON ExportTraceServiceRequest POSTed to /v1/traces, keeps the
// spans, and serves them back to the tests in workerd (GET /received?trace=<id>).
// POST /mode?answer=ok|refuse|drop makes it take requests, answer 500, or drop the
// connection unanswered (an endpoint that cannot be reached).

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";

/** A span as received, flattened for the tests' assertions. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  startNanos: string;
  endNanos: string;
  attributes: Record<string, string | number | boolean>;
  events: { name: string; timeNanos: string; attributes: Record<string, string | number | boolean> }[];
  links: { traceId: string; spanId: string }[];
  status: { code: number; message?: string };
  serviceName: string | null;
  scope: string | null;
}

/** What the receiver counted: requests taken, refused and dropped, and the headers of the last one taken. */
export interface ReceiverStats {
  taken: number;
  refused: number;
  dropped: number;
  lastHeaders: Record<string, string>;
}

declare module "vitest" {
  interface ProvidedContext {
    otlpReceiver: string;
  }
}

type Answer = "ok" | "refuse" | "drop";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}

/** Decodes one ExportTraceServiceRequest (JSON); throws on a body that is not one. */
export function decodeTraces(body: unknown): ReceivedSpan[] {
  const request = body as { resourceSpans?: unknown };
  if (!Array.isArray(request.resourceSpans)) throw new Error("no resourceSpans");
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans as { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: unknown }[]) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    if (!Array.isArray(resourceSpans.scopeSpans)) throw new Error("no scopeSpans");
    for (const scopeSpans of resourceSpans.scopeSpans as { scope?: { name?: string }; spans?: unknown }[]) {
      if (!Array.isArray(scopeSpans.spans)) throw new Error("no spans");
      for (const raw of scopeSpans.spans as Record<string, unknown>[]) {
        const traceId = hex(raw.traceId, 32, "traceId");
        const spanId = hex(raw.spanId, 16, "spanId");
        const start = nanos(raw.startTimeUnixNano, "startTimeUnixNano");
        const end = nanos(raw.endTimeUnixNano, "endTimeUnixNano");
        if (BigInt(end) < BigInt(start)) throw new Error(`span ${spanId} ends before it starts`);
        if (typeof raw.name !== "string" || raw.name === "") throw new Error("a span without a name");
        spans.push({
          traceId,
          spanId,
          parentSpanId: raw.parentSpanId === undefined || raw.parentSpanId === "" ? null : hex(raw.parentSpanId, 16, "parentSpanId"),
          name: raw.name,
          kind: Number(raw.kind),
          startNanos: start,
          endNanos: end,
          attributes: attributesOf(raw.attributes as OtlpKeyValue[] | undefined),
          events: ((raw.events as { name: string; timeUnixNano: unknown; attributes?: OtlpKeyValue[] }[] | undefined) ?? []).map((event) => ({
            name: event.name,
            timeNanos: nanos(event.timeUnixNano, "timeUnixNano"),
            attributes: attributesOf(event.attributes),
          })),
          links: ((raw.links as { traceId: unknown; spanId: unknown }[] | undefined) ?? []).map((link) => ({ traceId: hex(link.traceId, 32, "link.traceId"), spanId: hex(link.spanId, 16, "link.spanId") })),
          status: (raw.status as { code: number; message?: string } | undefined) ?? { code: 0 },
          serviceName: typeof resource["service.name"] === "string" ? resource["service.name"] : null,
          scope: scopeSpans.scope?.name ?? null,
        });
      }
    }
  }
  return spans;
}

function hex(value: unknown, length: number, what: string): string {
  if (typeof value !== "string" || !new RegExp(`^[0-9a-f]{${length}}$`).test(value)) throw new Error(`${what} is not ${length} hex digits: ${String(value)}`);
  return value;
}

function nanos(value: unknown, what: string): string {
  if (typeof value !== "string" || !/^\d+$/.test(value)) throw new Error(`${what} is not unix nanoseconds as a string: ${String(value)}`);
  return value;
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else throw new Error(`attribute ${key} has no value`);
  }
  return out;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
}

/** Starts the receiver; its URL is provided to the tests as `otlpReceiver`. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const spans: ReceivedSpan[] = [];
  const stats: ReceiverStats = { taken: 0, refused: 0, dropped: 0, lastHeaders: {} };
  let answer: Answer = "ok";
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://receiver");
      if (request.method === "POST" && url.pathname === "/v1/traces") {
        const text = await bodyOf(request);
        if (answer === "drop") {
          stats.dropped += 1;
          request.socket.destroy();
          return;
        }
        if (answer === "refuse") {
          stats.refused += 1;
          return json(response, 500, { message: "refused by the test" });
        }
        if (request.headers["content-type"] !== "application/json") return json(response, 415, { message: "JSON only" });
        try {
          spans.push(...decodeTraces(JSON.parse(text)));
        } catch (error) {
          return json(response, 400, { message: (error as Error).message });
        }
        stats.taken += 1;
        stats.lastHeaders = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
        return json(response, 200, {});
      }
      if (request.method === "GET" && url.pathname === "/received") {
        const trace = url.searchParams.get("trace");
        return json(response, 200, { spans: trace === null ? spans : spans.filter((span) => span.traceId === trace) });
      }
      if (request.method === "GET" && url.pathname === "/stats") return json(response, 200, stats);
      if (request.method === "POST" && url.pathname === "/mode") {
        const wanted = url.searchParams.get("answer");
        if (wanted !== "ok" && wanted !== "refuse" && wanted !== "drop") return json(response, 400, { message: "answer=ok|refuse|drop" });
        answer = wanted;
        return json(response, 200, { answer });
      }
      json(response, 404, { message: "not here" });
    })().catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the OTLP receiver has no port");
  project.provide("otlpReceiver", `http://127.0.0.1:${address.port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
