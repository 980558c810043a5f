// Updates in the Worker: applied to the body while it waits, answered with the
// handler's result, recorded in the log so a replay after an eviction applies each at
// the same point; once per Idempotency-Key; and the refusals, each with its code.
import { abortAllDurableObjects, createExecutionContext, env, evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BatonApiError, BatonClient } from "baton-workflows/client";
import { BatonService } from "../../src/service.ts";
import { api, getRun, pause, runStub, startRun, TOKEN, waitForRun } from "./helpers.ts";
import { register } from "./fake-worker.ts";

type Refusal = { error: { code: string; message: string } };
type Answer = { status: number; body: { updateId?: string; result?: unknown; status?: string } & Partial<Refusal> };

/** POSTs an update; the status and the JSON answer. */
async function update(id: string, name: string, arg?: unknown, key?: string): Promise<Answer> {
  const response = await api(`/api/runs/${id}/updates/${name}`, { method: "POST", ...(arg === undefined ? {} : { json: { arg } }), ...(key ? { headers: { "Idempotency-Key": key } } : {}) });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}

async function balance(id: string): Promise<unknown> {
  return ((await (await api(`/api/runs/${id}/queries/balance`)).json()) as { result: unknown }).result;
}

async function waiting(start = 0): Promise<string> {
  const id = await startRun("ledger", { start });
  await waitForRun(id, (run) => run.status === "waiting");
  return id;
}

async function send(id: string, name: string, payload?: unknown): Promise<void> {
  expect((await api(`/api/runs/${id}/events/${name}`, { method: "POST", json: { payload } })).status).toBe(202);
}

/** Makes the run's object answer updates pending at once rather than wait for the body; lets go of the control surface, or an eviction would wait for it. */
async function shortWait(id: string): Promise<void> {
  const control = await runStub(id).control();
  await control.waitForUpdatesMs(0);
  control[Symbol.dispose]();
}

/** The update steps of the run, as its detail lists them. */
async function updateSteps(id: string): Promise<{ key: string; name: string; output?: unknown }[]> {
  const steps = (await getRun(id)).steps.filter((step) => step.kind === "update");
  return Promise.all(steps.map(async (step) => ({ key: step.key, name: step.name, output: ((await (await api(`/api/runs/${id}/steps/${encodeURIComponent(step.key)}`)).json()) as { output: unknown }).output })));
}

describe("updates", () => {
  it("applies an update while the run waits: 200 with the result, a query sees it, and the output reflects it", async () => {
    const id = await waiting(5);
    const sent = await update(id, "add", 10);
    expect(sent).toMatchObject({ status: 200, body: { result: { balance: 15 } } });
    expect(sent.body.updateId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await balance(id)).toBe(15);
    expect((await getRun(id)).state).toEqual({ balance: 15 });
    const read = await api(`/api/runs/${id}/updates/${sent.body.updateId ?? ""}`);
    expect(await read.json()).toEqual({ updateId: sent.body.updateId, name: "add", status: "completed", result: { balance: 15 } });
    // An empty body sends arg null, which the validator refuses: nothing recorded.
    const empty = await api(`/api/runs/${id}/updates/add`, { method: "POST" });
    expect(empty.status).toBe(422);
    expect(await empty.json()).toMatchObject({ error: { code: "update_rejected", message: expect.stringContaining("add takes a number, got null") } });
    await send(id, "next", { add: 100 });
    await waitForRun(id, (run) => run.status === "waiting" && run.steps.some((step) => step.key === "double#0" && step.status === "completed"));
    await send(id, "finish");
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: { balance: 115, failures: 0, seen: [15, 230, 115] } });
    const events = (await (await api(`/api/runs/${id}/events?limit=500`)).json()) as { events: { type: string; key?: string; data: { status?: string; name?: string } }[] };
    expect(events.events.filter((event) => event.type === "run.update").map((event) => [event.data.name, event.data.status])).toEqual([
      ["add", "received"],
      ["add", "completed"],
    ]);
  });

  it("applies an update once per Idempotency-Key: a retry answers as the first; another arg is a conflict", async () => {
    const id = await waiting(1);
    const first = await update(id, "add", 2, "key-1");
    const again = await update(id, "add", 2, "key-1");
    expect(first).toMatchObject({ status: 200, body: { result: { balance: 3 } } });
    expect(again).toEqual(first);
    expect(await update(id, "add", 3, "key-1")).toMatchObject({ status: 409, body: { error: { code: "idempotency_conflict" } } });
    expect(await balance(id)).toBe(3);
    expect((await updateSteps(id)).length).toBe(1);
    // After an eviction the key still answers the first answer, applying nothing.
    await evictDurableObject(runStub(id));
    expect(await update(id, "add", 2, "key-1")).toEqual(first);
    expect(await balance(id)).toBe(3);
    // Sent three times at once: one is applied, and all three answer it.
    const together = await Promise.all([update(id, "add", 10, "key-2"), update(id, "add", 10, "key-2"), update(id, "add", 10, "key-2")]);
    expect(together.map((answer) => answer.body)).toEqual([together[0]?.body, together[0]?.body, together[0]?.body]);
    expect(together[0]).toMatchObject({ status: 200, body: { result: { balance: 13 } } });
    expect(await balance(id)).toBe(13);
    expect((await updateSteps(id)).length).toBe(2);
  });

  it("answers a retry after a crash right after the update was recorded: the replay runs its handler there, once", async () => {
    const id = await waiting(1);
    await runStub(id).control().cutOffAt("transition");
    const cut = await update(id, "add", 5, "crash-1");
    expect(cut.status).toBe(500);
    // The object is reset; the retry finds the update recorded and its answer not yet stored.
    let retried = await update(id, "add", 5, "crash-1").catch(() => undefined);
    for (let i = 0; i < 100 && retried?.status !== 200; i++) retried = await update(id, "add", 5, "crash-1").catch(() => undefined);
    expect(retried).toMatchObject({ status: 200, body: { result: { balance: 6 } } });
    expect(await balance(id)).toBe(6);
    expect((await updateSteps(id)).map((step) => step.output)).toEqual([{ name: "add", arg: 5, result: { balance: 6 } }]);
  });

  it("answers 202 pending when the answer does not come within the wait, and GET reads it once it came", async () => {
    const id = await waiting(2);
    await shortWait(id);
    const sent = await update(id, "add", 3);
    expect(sent).toEqual({ status: 202, body: { updateId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown, status: "pending" } });
    let view: unknown;
    for (let i = 0; i < 100; i++) {
      view = await (await api(`/api/runs/${id}/updates/${sent.body.updateId ?? ""}`)).json();
      if ((view as { status: string }).status !== "pending") break;
      // The body hears the update in a later turn of the object's event loop: give it one.
      await pause(10);
    }
    expect(view).toEqual({ updateId: sent.body.updateId, name: "add", status: "completed", result: { balance: 5 } });
    expect(await balance(id)).toBe(5);
  });

  it("records an update unchecked when the body is not at rest within the wait (a replay after an eviction), and answers it once the body ran it", async () => {
    const id = await waiting(1);
    /** Sends `name` right after an eviction, while the rebuilt body replays; the update's view once answered. */
    const afterEviction = async (name: string, arg?: unknown): Promise<unknown> => {
      await evictDurableObject(runStub(id));
      await shortWait(id);
      const sent = await update(id, name, arg);
      expect(sent).toMatchObject({ status: 202, body: { status: "pending" } });
      for (let i = 0; i < 100; i++) {
        const view = (await (await api(`/api/runs/${id}/updates/${sent.body.updateId ?? ""}`)).json()) as { status: string };
        if (view.status !== "pending") return view;
        await pause(10);
      }
      return undefined;
    };
    expect(await afterEviction("add", 4)).toMatchObject({ name: "add", status: "completed", result: { balance: 5 } });
    // Not checked against the body's updates: recorded, and answered failed once the body heard it.
    expect(await afterEviction("nope")).toMatchObject({ name: "nope", status: "failed", error: { message: expect.stringContaining('the body has defined no update "nope"') } });
    await send(id, "next", { add: 1 });
    await waitForRun(id, (run) => run.steps.some((step) => step.key === "double#0" && step.status === "completed"));
    await send(id, "finish");
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: { balance: 6, failures: 0, seen: [5, 12, 6] } });
  });

  it("replays each update at the same point after an eviction: state and later output equal the live run's", async () => {
    const id = await waiting(0);
    expect((await update(id, "add", 7)).status).toBe(200);
    const stamped = await update(id, "stamp");
    await evictDurableObject(runStub(id));
    // The query rebuilds the body by replay: the update was applied again where it was.
    expect(await balance(id)).toBe(7);
    await send(id, "next", { add: 1 });
    await waitForRun(id, (run) => run.steps.some((step) => step.key === "double#0" && step.status === "completed"));
    expect((await update(id, "add", 2)).body.result).toEqual({ balance: 10 });
    await abortAllDurableObjects();
    expect(await balance(id)).toBe(10);
    // The clock the handler read is the body's, the same in the replay.
    const read = await api(`/api/runs/${id}/updates/${stamped.body.updateId ?? ""}`);
    expect(await read.json()).toMatchObject({ status: "completed", result: stamped.body.result });
    await send(id, "finish");
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: { balance: 10, failures: 0, seen: [7, 16, 10] } });
    expect((await updateSteps(id)).map((step) => step.output)).toEqual([
      { name: "add", arg: 7, result: { balance: 7 } },
      { name: "stamp", arg: null, result: stamped.body.result },
      { name: "add", arg: 2, result: { balance: 10 } },
    ]);
  });

  it("answers a throwing handler with 422 update_failed, recorded and replayed the same; the run goes on", async () => {
    const id = await waiting(0);
    const broken = await update(id, "broken");
    expect(broken).toMatchObject({ status: 422, body: { error: { code: "update_failed", message: expect.stringContaining('update "broken" threw Error: no update today') } } });
    expect(await update(id, "sneaky")).toMatchObject({ status: 422, body: { error: { code: "update_failed", message: expect.stringContaining("may not call primitives") } } });
    const [failed] = await updateSteps(id);
    expect(failed?.output).toMatchObject({ name: "broken", arg: null, error: { name: "Error", message: "no update today" } });
    const view = (await (await api(`/api/runs/${id}/updates/${failed?.key.slice("update:".length) ?? ""}`)).json()) as unknown;
    expect(view).toMatchObject({ name: "broken", status: "failed", error: { name: "Error", message: "no update today" } });
    await evictDurableObject(runStub(id));
    await send(id, "next", { add: 1 });
    await waitForRun(id, (run) => run.steps.some((step) => step.key === "double#0" && step.status === "completed"));
    await send(id, "finish");
    // The failure counted once in the first run and once in the replay that finished it: the same count.
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: { balance: 1, failures: 1 } });
  });

  it("refuses unknown names (nothing recorded), bad names and bodies, unknown runs and update ids", async () => {
    const id = await waiting(0);
    const steps = (await getRun(id)).stepCount;
    const unknown = await update(id, "nope", 1);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "update_not_found", message: expect.stringContaining("it has defined: add, broken, sneaky, stamp") } } });
    expect(await update(id, "add", "ten")).toMatchObject({ status: 422, body: { error: { code: "update_rejected" } } });
    expect((await getRun(id)).stepCount).toBe(steps);
    expect(await update(id, "has%20space", 1)).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    const extra = await api(`/api/runs/${id}/updates/add`, { method: "POST", json: { arg: 1, other: 2 } });
    expect(extra.status).toBe(400);
    const notJson = await api(`/api/runs/${id}/updates/add`, { method: "POST", body: "{", headers: { "Content-Type": "application/json" } });
    expect(await notJson.json()).toMatchObject({ error: { code: "invalid_json" } });
    expect(await update("no-such-run", "add", 1)).toMatchObject({ status: 404, body: { error: { code: "run_not_found" } } });
    expect((await api(`/api/runs/${id}/updates/not-an-id`)).status).toBe(400);
    const missing = await api(`/api/runs/${id}/updates/00000000-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "update_not_found" } });
    expect((await getRun(id)).stepCount).toBe(steps);
  });

  it("refuses an ended run with 409 run_not_active and a body on workers you run with 409 update_unavailable", async () => {
    const id = await waiting(0);
    await send(id, "next", { add: 1 });
    await waitForRun(id, (run) => run.steps.some((step) => step.key === "double#0" && step.status === "completed"));
    await send(id, "finish");
    await waitForRun(id);
    expect(await update(id, "add", 1)).toMatchObject({ status: 409, body: { error: { code: "run_not_active" } } });
    await register("w-update", ["py/updated"], [], "updated");
    const remote = await startRun("py/updated", {});
    expect(await update(remote, "add", 1)).toMatchObject({ status: 409, body: { error: { code: "update_unavailable", message: expect.stringContaining("runs on workers you run") } } });
  });

  it("updates from code: BatonClient.update and BatonService.update resolve to the result and throw the API's codes", async () => {
    const id = await waiting(0);
    const client = new BatonClient({ baseUrl: "https://baton.test", token: TOKEN, fetch: (request) => SELF.fetch(request) });
    expect(await client.update(id, "add", 4, { idempotencyKey: "client-1" })).toEqual({ balance: 4 });
    expect(await client.update(id, "add", 4, { idempotencyKey: "client-1" })).toEqual({ balance: 4 });
    await expect(client.update(id, "broken")).rejects.toMatchObject({ name: "BatonApiError", status: 422, code: "update_failed" } satisfies Partial<BatonApiError>);
    const service = new BatonService(createExecutionContext(), env);
    expect(await service.update(id, "add", 1)).toEqual({ balance: 5 });
    await expect(service.update(id, "nope")).rejects.toThrow(/^update_not_found: /);
    expect(await client.query(id, "balance")).toBe(5);
  });
});
