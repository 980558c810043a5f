// Saga rollback in workerd: a failed booking saga's rollbacks run as tasks of their own
// in queue consumers, newest first, and show in the run's steps, events and console
// page; rollbacks are retried per their options and one that keeps failing does not
// stop the others; an eviction in the middle of the rollbacks (a task's in flight, an
// inline step's waiting for its retry) still runs each attempt once and in order; a
// cancel with rollback (API, console, CLI, BatonService) runs them for a sleeping run,
// one without runs none; the cancel body is checked. Also run with the consumers'
// mirrors off (the workers-replay project).
import { createExecutionContext, evictDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:test";
import { baton } from "./cli-runner.ts";
import { Browser } from "./console-browser.ts";
import { BatonService } from "../../src/service.ts";
import { api, getRun, hits, runStub, startRun, waitForRun, type RunBody } from "./helpers.ts";

const cancel = async (id: string, body?: unknown): Promise<Response> => api(`/api/runs/${id}/cancel`, body === undefined ? { method: "POST" } : { method: "POST", json: body });
const rows = (run: RunBody): [string, string, string, string][] => run.steps.map((step) => [step.key, step.kind, step.name, step.status]);
const FORWARD: [string, string, string, string][] = [
  ["book-flight#0", "task", "book-flight", "completed"],
  ["quote#0", "step", "quote", "completed"],
  ["book-hotel#0", "task", "book-hotel", "completed"],
];

/** The run's step events, as `type key`. */
async function stepEvents(id: string): Promise<string[]> {
  const page = (await (await api(`/api/runs/${id}/events`)).json()) as { events: { type: string; key?: string }[] };
  return page.events.map((event) => `${event.type}${event.key ? ` ${event.key}` : ""}`);
}

describe("saga rollback", () => {
  it("runs the two rollbacks of a failed booking saga newest first as tasks of their own, then ends failed with the original error", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("booking-saga", { tag });
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "FatalError", message: "no cars left" });
    expect(rows(run)).toEqual([
      ...FORWARD,
      ["book-car#0", "task", "book-car", "failed"],
      ["rollback/book-hotel#0", "task", "rollback:book-hotel", "completed"],
      ["rollback/book-flight#0", "task", "rollback:book-flight", "completed"],
    ]);
    // Each ran once, the hotel's first; it heard the run's error.
    expect(await hits(`${tag}:undo:hotel HO-1 after FatalError:1`)).toBe(1);
    expect(await hits(`${tag}:undo:flight FL-1:2`)).toBe(1);
    expect(await hits(`${tag}:undo`)).toBe(2);
    const detail = (await (await api(`/api/runs/${id}/steps/${encodeURIComponent("rollback/book-flight#0")}`)).json()) as { output: unknown };
    expect(detail.output).toBe("flight FL-1 undone");
    const told = await stepEvents(id);
    const at = (what: string) => told.indexOf(what);
    expect(at("step.failed book-car#0")).toBeGreaterThan(-1);
    expect(at("step.failed book-car#0")).toBeLessThan(at("step.scheduled rollback/book-hotel#0"));
    expect(at("step.completed rollback/book-hotel#0")).toBeLessThan(at("step.scheduled rollback/book-flight#0"));
    expect(at("step.completed rollback/book-flight#0")).toBeLessThan(at("run.ended"));
    // The console's run page lists them like any step, after the failed one.
    const html = await (await (await Browser.signedIn()).get(`/runs/${id}`)).text();
    expect(html.indexOf("book-car#0")).toBeGreaterThan(-1);
    expect(html.indexOf("book-car#0")).toBeLessThan(html.indexOf("rollback/book-hotel#0"));
    expect(html.indexOf("rollback/book-hotel#0")).toBeLessThan(html.indexOf("rollback/book-flight#0"));
  });

  it("retries a rollback per its options, keeps going past one that keeps failing, and lists it in the run's error", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("saga-steps", { tag });
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "Error", message: "shipping failed", fields: { rollbackFailures: [{ key: "rollback/charge#0", name: "Error", message: "refunds are closed" }] } });
    expect(run.steps.map((step) => [step.key, step.kind, step.status, step.attempts])).toEqual([
      ["reserve#0", "step", "completed", 1],
      ["charge#0", "task", "completed", 1],
      ["rollback/charge#0", "task", "failed", 2],
      ["rollback/reserve#0", "step", "completed", 2],
    ]);
    expect([await hits(`${tag}:refund:1`), await hits(`${tag}:refund:2`), await hits(`${tag}:refund:3`)]).toEqual([1, 1, 0]);
    expect([await hits(`${tag}:free:1`), await hits(`${tag}:free:2`)]).toEqual([1, 1]);
  });

  it("runs an inline step's rollback once per attempt when the run object is evicted while it waits for its retry", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("saga-steps", { tag });
    await waitForRun(id, (run) => run.steps.some((step) => step.key === "rollback/reserve#0" && step.status === "retrying"), 30_000);
    await evictDurableObject(runStub(id));
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.status).toBe("failed");
    expect(run.steps.map((step) => [step.key, step.status, step.attempts]).slice(-2)).toEqual([["rollback/charge#0", "failed", 2], ["rollback/reserve#0", "completed", 2]]);
    expect([await hits(`${tag}:free:1`), await hits(`${tag}:free:2`), await hits(`${tag}:free:3`)]).toEqual([1, 1, 0]);
  });

  it("restarts a rolled-back saga from its first undone step: nothing undone is kept", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("booking-saga", { tag });
    await waitForRun(id);
    const restarted = await api(`/api/runs/${id}/restart`, { method: "POST" });
    expect(restarted.status).toBe(201);
    const again = await waitForRun(((await restarted.json()) as { id: string }).id);
    expect(again.status).toBe("failed");
    expect(rows(again).slice(-2).map((row) => row[0])).toEqual(["rollback/book-hotel#0", "rollback/book-flight#0"]);
    // The flight was booked again (and undone again), not replayed from the first run.
    expect(await hits(`${tag}:flight`)).toBe(2);
    expect(await hits(`${tag}:undo`)).toBe(4);
  });

  it("runs no rollback when the saga completes", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("booking-saga", { tag, carWorks: true }));
    expect(run.status).toBe("completed");
    expect(run.steps.map((step) => step.key)).toEqual(["book-flight#0", "quote#0", "book-hotel#0", "book-car#0"]);
    expect(await hits(`${tag}:undo`)).toBe(0);
  });

  it("still runs each rollback once and in order when the run object is evicted in the middle of them", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("booking-saga", { tag, holdHotelUndo: true });
    await vi.waitFor(async () => expect(await hits(`${tag}:hotel-undo:started`)).toBe(1), { timeout: 10_000 });
    expect((await getRun(id)).status).toBe("running");
    await evictDurableObject(runStub(id));
    // The held rollback reports to a fresh instance, which replays the log to the next rollback.
    await env.PROBE.get(env.PROBE.idFromName("probe")).hit(`${tag}:release`);
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error?.message).toBe("no cars left");
    expect(rows(run).slice(-2)).toEqual([
      ["rollback/book-hotel#0", "task", "rollback:book-hotel", "completed"],
      ["rollback/book-flight#0", "task", "rollback:book-flight", "completed"],
    ]);
    expect(await hits(`${tag}:hotel-undo:started`)).toBe(1);
    expect(await hits(`${tag}:undo:hotel HO-1 after FatalError:1`)).toBe(1);
    expect(await hits(`${tag}:undo:flight FL-1:2`)).toBe(1);
    expect(await hits(`${tag}:undo`)).toBe(2);
  });

  it("runs the rollbacks of a sleeping run cancelled with { rollback: true }, then ends cancelled", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("booking-saga", { tag, pause: true });
    await waitForRun(id, (run) => run.status === "sleeping");
    const answer = await cancel(id, { rollback: true });
    expect(answer.status).toBe(200);
    const run = await waitForRun(id);
    expect(run.status).toBe("cancelled");
    expect(rows(run)).toEqual([
      ...FORWARD,
      ["pay#0", "sleep", "pay", "cancelled"],
      ["rollback/book-hotel#0", "task", "rollback:book-hotel", "completed"],
      ["rollback/book-flight#0", "task", "rollback:book-flight", "completed"],
    ]);
    expect(await hits(`${tag}:undo:hotel HO-1 after CancelledError:1`)).toBe(1);
    expect(await hits(`${tag}:undo:flight FL-1:2`)).toBe(1);
    const page = (await (await api(`/api/runs/${id}/events`)).json()) as { events: { type: string; data: unknown }[] };
    expect(page.events.find((event) => event.type === "run.cancel_requested")?.data).toEqual({ rollback: true });
  });

  it("runs the rollbacks from the console's Cancel with rollback button", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("booking-saga", { tag, pause: true });
    await waitForRun(id, (run) => run.status === "sleeping");
    const browser = await Browser.signedIn();
    const page = await (await browser.get(`/runs/${id}`)).text();
    expect(page).toContain('<input type="hidden" name="rollback" value="true"/>');
    expect((await browser.post(`/runs/${id}/cancel`, { rollback: "true" })).status).toBe(303);
    const run = await waitForRun(id);
    expect(run.status).toBe("cancelled");
    expect(run.steps.map((step) => step.key).slice(-2)).toEqual(["rollback/book-hotel#0", "rollback/book-flight#0"]);
    expect(await hits(`${tag}:undo`)).toBe(2);
  });

  it("runs the rollbacks for the CLI's cancel --rollback", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("booking-saga", { tag, pause: true });
    await waitForRun(id, (run) => run.status === "sleeping");
    expect((await baton(["cancel", id, "--rollback"])).code).toBe(0);
    const run = await waitForRun(id);
    expect(run.status).toBe("cancelled");
    expect(run.steps.map((step) => step.key).slice(-2)).toEqual(["rollback/book-hotel#0", "rollback/book-flight#0"]);
  });

  it("runs the rollbacks for BatonService.cancel(id, { rollback: true }), and refuses options that do not fit", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("booking-saga", { tag, pause: true });
    await waitForRun(id, (run) => run.status === "sleeping");
    const service = new BatonService(createExecutionContext(), env);
    await expect(service.cancel(id, { rollback: "yes" } as never)).rejects.toThrow(/^invalid_request: cancel options must be \{ rollback\?: boolean \}/);
    expect((await getRun(id)).status).toBe("sleeping");
    await service.cancel(id, { rollback: true });
    const run = await waitForRun(id);
    expect(run.status).toBe("cancelled");
    expect(run.steps.map((step) => step.key).slice(-2)).toEqual(["rollback/book-hotel#0", "rollback/book-flight#0"]);
  });

  it("runs no rollback for a cancel without it (an empty body, or rollback: false)", async () => {
    for (const body of [undefined, { rollback: false }]) {
      const tag = crypto.randomUUID();
      const id = await startRun("booking-saga", { tag, pause: true });
      await waitForRun(id, (run) => run.status === "sleeping");
      expect((await cancel(id, body)).status).toBe(200);
      const run = await waitForRun(id);
      expect(run.status).toBe("cancelled");
      expect(rows(run)).toEqual([...FORWARD, ["pay#0", "sleep", "pay", "cancelled"]]);
      expect(await hits(`${tag}:undo`)).toBe(0);
    }
  });

  it("refuses a cancel body that does not fit, and a cancel with rollback of a paused run, changing nothing", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("booking-saga", { tag, pause: true });
    await waitForRun(id, (run) => run.status === "sleeping");
    for (const [body, code] of [[{ rollback: "yes" }, "invalid_request"], [{ rolback: true }, "invalid_request"], [[true], "invalid_request"]] as const) {
      const refused = await cancel(id, body);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const broken = await api(`/api/runs/${id}/cancel`, { method: "POST", body: "{rollback", headers: { "Content-Type": "application/json" } });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    expect((await getRun(id)).status).toBe("sleeping");
    expect((await api(`/api/runs/${id}/pause`, { method: "POST" })).status).toBe(200);
    const paused = await cancel(id, { rollback: true });
    expect(paused.status).toBe(409);
    expect(((await paused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "run_paused", message: expect.stringMatching(/resume it first/) });
    expect((await getRun(id)).status).toBe("paused");
    expect((await api(`/api/runs/${id}/resume`, { method: "POST" })).status).toBe(200);
    expect((await cancel(id, { rollback: true })).status).toBe(200);
    expect((await waitForRun(id)).status).toBe("cancelled");
    expect(await hits(`${tag}:undo`)).toBe(2);
  });
});
