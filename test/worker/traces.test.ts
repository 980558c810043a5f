// OpenTelemetry traces, against the loopback OTLP receiver (test/support/otlp-receiver.ts,
// which decodes every request it takes): one trace per run, its id derived from the run
// id unless the start carried a traceparent; a span per task or step attempt, a retried
// task's attempts in one trace; a child run in its parent's trace and linked; each span
// exported once across an eviction; a continueAsNew chain in one trace; a closure's
// ctx.traceparent naming its attempt's span; and runs that complete while the endpoint refuses or cannot be reached.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, inject, it } from "vitest";
import { startRun as startFromCode } from "../../src/api/run-actions.ts";
import type { ReceivedSpan, ReceiverStats } from "../support/otlp-receiver.ts";
import { api, runStub, startRun, waitForRun, type RunBody } from "./helpers.ts";

const receiver = inject("otlpReceiver");

/** The first `bytes` bytes of SHA-256 of `text` as hex, by Web Crypto: the ids Baton must derive. */
async function sha256Hex(text: string, bytes: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest.slice(0, bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
const traceIdOf = (runId: string) => sha256Hex(runId, 16);
const spanIdOf = (runId: string, key: string, attempt: number) => sha256Hex(`${runId}\n${key}\n${attempt}`, 8);
const rootSpanIdOf = (runId: string) => spanIdOf(runId, "", 0);

async function received(traceId: string): Promise<ReceivedSpan[]> {
  const response = await fetch(`${receiver}/received?trace=${traceId}`);
  return ((await response.json()) as { spans: ReceivedSpan[] }).spans;
}

async function stats(): Promise<ReceiverStats> {
  return (await (await fetch(`${receiver}/stats`)).json()) as ReceiverStats;
}

async function answer(mode: "ok" | "refuse" | "drop"): Promise<void> {
  expect((await fetch(`${receiver}/mode?answer=${mode}`, { method: "POST" })).status).toBe(200);
}

/** Polls the receiver until the trace's spans satisfy `done`; fails with what came after 20 s. */
async function spansUntil(traceId: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const spans = await received(traceId);
    if (done(spans)) return spans;
    if (Date.now() > deadline) throw new Error(`trace ${traceId} did not get the expected spans; got ${JSON.stringify(spans, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the run's stored export cursor is past its last event: nothing is left to export. */
async function exportCaughtUp(id: string): Promise<void> {
  const caughtUp = () =>
    runInDurableObject(runStub(id), (_, state) => {
      const row = state.storage.sql.exec("SELECT (SELECT trace_cursor FROM run) AS cursor, (SELECT MAX(id) FROM run_events) AS last").one();
      return row.cursor === row.last;
    });
  for (let tries = 0; !(await caughtUp()); tries++) {
    if (tries > 800) throw new Error(`run ${id}'s export cursor did not catch up`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const hasSpan = (spans: ReceivedSpan[], spanId: string) => spans.some((span) => span.spanId === spanId);
const keyOf = (run: RunBody, name: string) => run.steps.find((step) => step.name === name)?.key ?? "";
/** The attempt spans of a trace, as [step name, attempt, outcome]. */
const attemptsOf = (spans: ReceivedSpan[]) => spans.filter((span) => span.kind === 1).map((span) => [span.attributes["baton.step.name"], span.attributes["baton.attempt"], span.attributes["baton.outcome"]]);

afterEach(async () => {
  await answer("ok");
});

describe("traces", () => {
  it("exports one trace per run: a root span and a span per attempt, all under the trace id derived from the run id; closures see their span", async () => {
    const id = await startRun("traced", {});
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    const traceId = await traceIdOf(id);
    const root = await rootSpanIdOf(id);
    const spans = await spansUntil(traceId, (got) => hasSpan(got, root) && got.length >= 4);
    expect(spans).toHaveLength(4);
    for (const span of spans) {
      expect(span.traceId).toBe(traceId);
      expect(span.serviceName).toBe("baton");
      expect(span.scope).toBe("baton");
      expect(span.attributes["baton.run.id"]).toBe(id);
      expect(span.attributes["baton.workflow"]).toBe("traced");
    }
    const rootSpan = spans.find((span) => span.spanId === root);
    expect(rootSpan).toMatchObject({ name: "traced", kind: 2, parentSpanId: null, status: { code: 0 } });
    expect(rootSpan?.attributes["baton.outcome"]).toBe("ok");
    expect(rootSpan?.events.map((event) => [event.name, event.attributes["baton.step.name"]])).toEqual([["baton.sleep", "nap"]]);
    expect(attemptsOf(spans).sort()).toEqual([
      ["first", 1, "ok"],
      ["inline", 1, "ok"],
      ["second", 1, "ok"],
    ]);
    const output = run.output as { first: string; inline: string; second: string };
    for (const name of ["first", "inline", "second"] as const) {
      const key = keyOf(run, name);
      const spanId = await spanIdOf(id, key, 1);
      const span = spans.find((one) => one.spanId === spanId);
      expect(span).toMatchObject({ parentSpanId: root, name, kind: 1 });
      expect(span?.attributes).toMatchObject({ "baton.step.key": key, "baton.step.kind": name === "inline" ? "step" : "task", "baton.attempt": 1 });
      expect(BigInt(span?.endNanos ?? 0) >= BigInt(span?.startNanos ?? 1)).toBe(true);
      // The closure ran inside its attempt's span: task closures in the consumer, the inline step in the run object.
      expect(output[name]).toBe(`00-${traceId}-${spanId}-01`);
    }
    // BATON_OTLP_HEADERS went with the export, percent-decoded.
    expect((await stats()).lastHeaders).toMatchObject({ "x-collector-key": "test key", "x-tenant": "baton" });
  });

  it("puts a retried task's two attempts in the same trace, the first as retrying with its error", async () => {
    const id = await startRun("retrying", { tag: crypto.randomUUID(), failures: 1 });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    const traceId = await traceIdOf(id);
    const spans = await spansUntil(traceId, (got) => got.filter((span) => span.attributes["baton.step.name"] === "flaky").length >= 2);
    const flaky = spans.filter((span) => span.attributes["baton.step.name"] === "flaky").sort((a, b) => Number(a.attributes["baton.attempt"]) - Number(b.attributes["baton.attempt"]));
    expect(flaky.map((span) => [span.traceId, span.attributes["baton.attempt"], span.attributes["baton.outcome"]])).toEqual([
      [traceId, 1, "retrying"],
      [traceId, 2, "ok"],
    ]);
    const key = keyOf(run, "flaky");
    expect(flaky.map((span) => span.spanId)).toEqual([await spanIdOf(id, key, 1), await spanIdOf(id, key, 2)]);
    expect(flaky[0]?.status).toEqual({ code: 2, message: "TypeError: attempt 1 failed" });
    expect(flaky[0]?.attributes).toMatchObject({ "baton.error.name": "TypeError", "baton.error.message": "attempt 1 failed" });
    expect(flaky[0]?.events.map((event) => [event.name, event.attributes["exception.type"]])).toEqual([["exception", "TypeError"]]);
    expect(flaky[1]?.status.code).toBe(0);
  });

  it("makes a run started with a traceparent header a child of the caller's span, in the caller's trace; a malformed header is ignored", async () => {
    const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    const response = await api("/api/runs", { method: "POST", json: { workflow: "traced", input: {} }, headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` } });
    expect(response.status).toBe(201);
    const id = ((await response.json()) as { id: string }).id;
    const run = await waitForRun(id);
    const root = await rootSpanIdOf(id);
    const spans = await spansUntil(callerTrace, (got) => hasSpan(got, root) && got.length >= 4);
    expect(spans.find((span) => span.spanId === root)?.parentSpanId).toBe(callerSpan);
    expect(spans.filter((span) => span.spanId !== root).every((span) => span.parentSpanId === root)).toBe(true);
    expect((run.output as { first: string }).first).toBe(`00-${callerTrace}-${await spanIdOf(id, keyOf(run, "first"), 1)}-01`);
    // Nothing of this run went to the trace its id would have given it.
    expect(await received(await traceIdOf(id))).toEqual([]);

    const malformed = await api("/api/runs", { method: "POST", json: { workflow: "traced", input: {} }, headers: { traceparent: `00-${"0".repeat(32)}-${callerSpan}-01` } });
    expect(malformed.status).toBe(201);
    const other = ((await malformed.json()) as { id: string }).id;
    await waitForRun(other);
    const otherRoot = await rootSpanIdOf(other);
    const own = await spansUntil(await traceIdOf(other), (got) => hasSpan(got, otherRoot));
    expect(own.find((span) => span.spanId === otherRoot)?.parentSpanId).toBeNull();
  });

  it("takes the traceparent option of a start from code (createBaton().start and the service binding's start call this)", async () => {
    const callerTrace = "0af7651916cd43dd8448eb211c80319c";
    const callerSpan = "b7ad6b7169203331";
    const { run: started } = await startFromCode(env, "traced", {}, { traceparent: `00-${callerTrace}-${callerSpan}-01` });
    await waitForRun(started.id);
    const root = await rootSpanIdOf(started.id);
    const spans = await spansUntil(callerTrace, (got) => hasSpan(got, root));
    expect(spans.find((span) => span.spanId === root)?.parentSpanId).toBe(callerSpan);
  });

  it("puts a child run in its parent's trace, under the parent's root span, and links it from the parent", async () => {
    const id = await startRun("parent", { tag: crypto.randomUUID(), children: ["ok"] });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    const traceId = await traceIdOf(id);
    const root = await rootSpanIdOf(id);
    const childId = run.steps.find((step) => step.kind === "flow")?.childId ?? "";
    expect(childId).not.toBe("");
    const childRoot = await rootSpanIdOf(childId);
    const spans = await spansUntil(traceId, (got) => hasSpan(got, root) && hasSpan(got, childRoot));
    const parentSpan = spans.find((span) => span.spanId === root);
    expect(parentSpan?.links).toEqual([{ traceId, spanId: childRoot }]);
    expect(parentSpan?.events.find((event) => event.name === "baton.child_run")?.attributes["baton.child.run.id"]).toBe(childId);
    const childSpan = spans.find((span) => span.spanId === childRoot);
    expect(childSpan).toMatchObject({ traceId, parentSpanId: root, name: "child" });
    expect(childSpan?.attributes["baton.parent.run.id"]).toBe(id);
    // The child's own task is in the same trace, under the child's root.
    expect(spans.filter((span) => span.attributes["baton.run.id"] === childId && span.kind === 1).map((span) => [span.name, span.parentSpanId])).toEqual([["work", childRoot]]);
  });

  it("keeps a continueAsNew chain in its first run's trace, each successor's root under its predecessor's", async () => {
    const id = await startRun("summing", { n: 3, total: 0 });
    const second = (await waitForRun(id)).continuedAs ?? "";
    const third = (await waitForRun(second)).continuedAs ?? "";
    expect((await waitForRun(third)).output).toBe(3 + 4 + 5);
    const traceId = await traceIdOf(id);
    const roots = await Promise.all([id, second, third].map(rootSpanIdOf));
    const spans = await spansUntil(traceId, (got) => roots.every((root) => hasSpan(got, root)));
    expect(roots.map((root) => spans.find((span) => span.spanId === root)?.parentSpanId ?? null)).toEqual([null, roots[0], roots[1]]);
    expect(spans.find((span) => span.spanId === roots[0])?.attributes["baton.outcome"]).toBe("continued");
  });

  it("exports each span once though the run object is evicted mid-run", async () => {
    const id = await startRun("traced", { wait: true });
    await waitForRun(id, (run) => run.status === "waiting");
    const traceId = await traceIdOf(id);
    // The spans so far are out and the stored cursor is past every event: then the object goes.
    await spansUntil(traceId, (got) => got.length >= 2);
    await exportCaughtUp(id);
    await evictDurableObject(runStub(id));
    expect((await api(`/api/runs/${id}/events/go`, { method: "POST", json: { payload: {} } })).status).toBe(202);
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    const root = await rootSpanIdOf(id);
    const spans = await spansUntil(traceId, (got) => hasSpan(got, root));
    // Nothing left to export, then count: every span once.
    await exportCaughtUp(id);
    const ids = (await received(traceId)).map((span) => span.spanId);
    expect(ids.sort()).toEqual([...new Set(ids)].sort());
    expect(attemptsOf(spans).sort()).toEqual([
      ["first", 1, "ok"],
      ["inline", 1, "ok"],
      ["second", 1, "ok"],
    ]);
    expect(spans.find((span) => span.spanId === root)?.events.map((event) => event.name)).toEqual(["baton.sleep", "baton.wait"]);
  });

  it("completes a run while the endpoint answers 500", async () => {
    await answer("refuse");
    const before = (await stats()).refused;
    const run = await waitForRun(await startRun("traced", {}));
    expect(run.status).toBe("completed");
    for (let tries = 0; (await stats()).refused === before; tries++) {
      if (tries > 400) throw new Error("the receiver was never asked");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });

  it("completes a run while the endpoint cannot be reached (the connection is dropped unanswered)", async () => {
    await answer("drop");
    const before = (await stats()).dropped;
    const run = await waitForRun(await startRun("retrying", { tag: crypto.randomUUID(), failures: 1 }));
    expect(run.status).toBe("completed");
    for (let tries = 0; (await stats()).dropped === before; tries++) {
      if (tries > 400) throw new Error("the receiver was never asked");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
});
