// OpenTelemetry traces under `wrangler dev`, as an operator's collector receives them:
// a loopback OTLP/HTTP receiver (decoding each JSON request) gets one trace per run with
// a span per task attempt, a retried task's two attempts in that trace, and a start's
// `traceparent` as the run's parent.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeTraces, type ReceivedSpan } from "../support/otlp-receiver.ts";
import { startDevServer, TOKEN, type DevServer } from "./dev-server.ts";

let server: DevServer;
let receiver: Server;
const spans: ReceivedSpan[] = [];
let requests = 0;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method === "POST" && request.url === "/v1/traces") {
        requests += 1;
        spans.push(...decodeTraces(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
        response.setHeader("content-type", "application/json");
        response.end("{}");
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server = await startDevServer({ vars: { BATON_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
});

afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

async function start(workflow: string, input: unknown, traceparent?: string): Promise<string> {
  const response = await fetch(`${server.url}/api/runs`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify({ workflow, input }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** Waits until the run's root span (exported when it ends) has come, and answers the run's spans. */
async function traceOf(runId: string): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const root = spans.find((span) => span.attributes["baton.run.id"] === runId && span.attributes["baton.step.key"] === undefined);
    if (root) return spans.filter((span) => span.traceId === root.traceId);
    if (Date.now() > deadline) throw new Error(`no root span of run ${runId}; ${requests} requests came:\n${server.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const attempts = (trace: ReceivedSpan[]) => trace.filter((span) => span.attributes["baton.step.key"] !== undefined).map((span) => [span.attributes["baton.step.key"], span.attributes["baton.attempt"], span.attributes["baton.outcome"]]);

describe("traces under wrangler dev", () => {
  it("exports one trace per run, a span per task attempt, under the caller's traceparent", { timeout: 90_000 }, async () => {
    const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    const id = await start("three-tasks", { seconds: 1 }, `00-${callerTrace}-${callerSpan}-01`);
    const trace = await traceOf(id);
    expect(trace.every((span) => span.traceId === callerTrace)).toBe(true);
    const root = trace.find((span) => span.attributes["baton.step.key"] === undefined)!;
    expect(root.parentSpanId).toBe(callerSpan);
    expect(root.attributes["baton.workflow"]).toBe("three-tasks");
    expect(attempts(trace).toSorted()).toEqual([
      ["a#0", 1, "ok"],
      ["b#0", 1, "ok"],
      ["c#0", 1, "ok"],
    ]);
    for (const span of trace.filter((s) => s !== root)) expect(span.parentSpanId).toBe(root.spanId);
    // The sleep is an event of the root span.
    expect(root.events.map((event) => event.name)).toContain("baton.sleep");
  });

  it("puts a retried task's two attempts in the run's one trace", { timeout: 90_000 }, async () => {
    const id = await start("flaky", null);
    const trace = await traceOf(id);
    expect(new Set(trace.map((span) => span.traceId)).size).toBe(1);
    expect(attempts(trace).filter(([key]) => key === "flaky#0").toSorted()).toEqual([
      ["flaky#0", 1, "retrying"],
      ["flaky#0", 2, "ok"],
    ]);
    const failed = trace.find((span) => span.attributes["baton.step.key"] === "flaky#0" && span.attributes["baton.attempt"] === 1)!;
    expect(failed.status.code).toBe(2);
    // Nothing was sent twice.
    const ids = spans.filter((span) => span.traceId === trace[0]!.traceId).map((span) => span.spanId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
