// Published state and queries in the Worker: setState's value in run detail and as
// run.state events (stored once per change, never again by a replay), queries answered
// from the body's state while it waits or sleeps, after an eviction, and from a replay
// once the run ended or paused; and the refusals, each with its code.
import { abortAllDurableObjects, createExecutionContext, env, evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BatonApiError, BatonClient } from "baton-workflows/client";
import { BatonService } from "../../src/service.ts";
import { api, getRun, runStub, startRun, TOKEN, waitForRun } from "./helpers.ts";
import { register } from "./fake-worker.ts";
import { Browser } from "./console-browser.ts";

type Refusal = { error: { code: string; message: string } };

/** GET a query; the status and the JSON answer. */
async function query(id: string, name: string, arg?: string): Promise<{ status: number; body: { result?: unknown } & Partial<Refusal> }> {
  const response = await api(`/api/runs/${id}/queries/${name}${arg === undefined ? "" : `?arg=${encodeURIComponent(arg)}`}`);
  return { status: response.status, body: (await response.json()) as { result?: unknown } & Partial<Refusal> };
}

/** The states the run's run.state events told, in order. */
async function toldStates(id: string): Promise<unknown[]> {
  const page = (await (await api(`/api/runs/${id}/events?limit=500`)).json()) as { events: { type: string; data: { state?: unknown } }[] };
  return page.events.filter((event) => event.type === "run.state").map((event) => event.data.state);
}

async function waiting(tasks: number): Promise<string> {
  const id = await startRun("counter", { tasks });
  await waitForRun(id, (run) => run.status === "waiting");
  return id;
}

describe("published state", () => {
  it("shows the last state in run detail and tells each change as a run.state event", async () => {
    const id = await waiting(3);
    expect((await getRun(id)).state).toEqual({ count: 3, phase: "waiting" });
    const told = await toldStates(id);
    expect(told[0]).toEqual({ count: 0, phase: "counting" });
    expect(told.at(-1)).toEqual({ count: 3, phase: "waiting" });
    // Stored only when it changed: no two events in a row tell the same state.
    for (let i = 1; i < told.length; i++) expect(told[i]).not.toEqual(told[i - 1]);
    await api(`/api/runs/${id}/events/finish`, { method: "POST", json: { payload: { add: 10 } } });
    const done = await waitForRun(id);
    expect(done).toMatchObject({ status: "completed", output: { count: 13 }, state: { count: 13, phase: "done" } });
    expect((await toldStates(id)).at(-1)).toEqual({ count: 13, phase: "done" });
  });

  it("shows the state on the console's run page, and no State block for a run that published none", async () => {
    const id = await waiting(2);
    const browser = await Browser.signedIn();
    const page = await (await browser.get(`/runs/${id}`)).text();
    expect(page).toContain("<h2>State</h2>");
    expect(page).toMatch(/&quot;count&quot;: 2|"count": 2/);
    const plain = await startRun("sleeper", { tag: "no-state", seconds: 3600 });
    await waitForRun(plain, (run) => run.status === "sleeping");
    expect((await getRun(plain)).state).toBeNull();
    expect(await (await browser.get(`/runs/${plain}`)).text()).not.toContain("<h2>State</h2>");
  });

  it("keeps the state across evictions without telling it again", async () => {
    const id = await waiting(2);
    const before = await toldStates(id);
    await evictDurableObject(runStub(id));
    expect((await getRun(id)).state).toEqual({ count: 2, phase: "waiting" });
    // The query rebuilds the body by replay; its setState calls store nothing new.
    expect(await query(id, "count")).toEqual({ status: 200, body: { result: 2 } });
    await abortAllDurableObjects();
    expect(await query(id, "plus", "40")).toEqual({ status: 200, body: { result: 42 } });
    expect(await toldStates(id)).toEqual(before);
    expect((await getRun(id)).state).toEqual({ count: 2, phase: "waiting" });
  });

  it("refuses a state over 64 KiB in the body, which goes on with the state before", async () => {
    const id = await startRun("counter", { tasks: 0, big: true });
    const run = await waitForRun(id, (r) => r.status === "waiting");
    expect(run.state).toEqual({ count: 0, phase: "waiting", refused: expect.stringMatching(/^SerializationError: setState\(\)'s value is 70002 bytes of JSON, over the 65536-byte limit/) as unknown });
  });
});

describe("queries", () => {
  it("answers from the body's current state while it waits for an event or sleeps, recording nothing", async () => {
    const id = await waiting(3);
    const steps = (await getRun(id)).stepCount;
    expect(await query(id, "count")).toEqual({ status: 200, body: { result: 3 } });
    expect(await query(id, "plus", "5")).toEqual({ status: 200, body: { result: 8 } });
    expect(await query(id, "phase")).toEqual({ status: 200, body: { result: { phase: "waiting", count: 3, redefined: true } } });
    expect((await getRun(id)).stepCount).toBe(steps);
    const napping = await startRun("counter", { tasks: 1, nap: 3600 });
    await waitForRun(napping, (run) => run.status === "sleeping");
    expect(await query(napping, "phase")).toEqual({ status: 200, body: { result: { phase: "napping", count: 1 } } });
  });

  it("refuses unknown, throwing, primitive-calling and asynchronous queries, bad args and names; the run goes on", async () => {
    const id = await waiting(1);
    const unknown = await query(id, "nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "query_not_found", message: expect.stringContaining("it has defined: broken, count, later, phase, plus, sneaky") });
    expect(await query(id, "broken")).toMatchObject({ status: 422, body: { error: { code: "query_failed", message: 'query "broken" threw Error: no answer today' } } });
    expect(await query(id, "sneaky")).toMatchObject({ status: 422, body: { error: { code: "query_failed", message: expect.stringContaining("queries must be synchronous and may not call primitives") } } });
    expect(await query(id, "later")).toMatchObject({ status: 422, body: { error: { code: "query_failed", message: expect.stringContaining("returned a promise") } } });
    expect(await query(id, "plus", "{")).toMatchObject({ status: 400, body: { error: { code: "invalid_request", message: expect.stringContaining("arg must be JSON text") } } });
    expect(await query(id, "plus", "1e400")).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(await query(id, "has%20space")).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(await query("no-such-run", "count")).toMatchObject({ status: 404, body: { error: { code: "run_not_found" } } });
    // None of it touched the run: it still waits, and completes.
    await api(`/api/runs/${id}/events/finish`, { method: "POST", json: { payload: { add: 1 } } });
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: { count: 2 }, steps: [{ key: "one#0" }, { key: "finish#0" }] });
  });

  it("answers an ended or paused run from a replay of its log", async () => {
    const id = await waiting(2);
    expect((await api(`/api/runs/${id}/pause`, { method: "POST" })).status).toBe(200);
    expect(await query(id, "count")).toEqual({ status: 200, body: { result: 2 } });
    await api(`/api/runs/${id}/resume`, { method: "POST" });
    await api(`/api/runs/${id}/events/finish`, { method: "POST", json: { payload: { add: 5 } } });
    await waitForRun(id);
    expect(await query(id, "phase")).toEqual({ status: 200, body: { result: { phase: "done", count: 7, redefined: true } } });
    const steps = (await getRun(id)).steps;
    expect(steps.map((step) => step.key)).toEqual(["one#0", "one#1", "finish#0"]);
  });

  it("refuses a run whose body runs on workers you run with 409 query_unavailable", async () => {
    await register("w-query", ["py/queried"], [], "queried");
    const id = await startRun("py/queried", {});
    const refused = await query(id, "count");
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "query_unavailable", message: expect.stringContaining("runs on workers you run") } } });
  });

  it("answers from code: BatonClient.query and BatonService.query resolve to the result, and throw the API's codes", async () => {
    const id = await waiting(4);
    const client = new BatonClient({ baseUrl: "https://baton.test", token: TOKEN, fetch: (request) => SELF.fetch(request) });
    expect(await client.query(id, "count")).toBe(4);
    expect(await client.query(id, "plus", 0.5)).toBe(4.5);
    await expect(client.query(id, "broken")).rejects.toMatchObject({ name: "BatonApiError", status: 422, code: "query_failed" } satisfies Partial<BatonApiError>);
    const service = new BatonService(createExecutionContext(), env);
    expect(await service.query(id, "phase")).toEqual({ phase: "waiting", count: 4, redefined: true });
    await expect(service.query(id, "nope")).rejects.toThrow(/^query_not_found: /);
    await expect(service.query(id, "plus", { toJSON: undefined, bad: 1n })).rejects.toThrow(/^invalid_request: /);
  });
});
