import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { api, getRun, hits, runStub, startRun, waitForRun } from "./helpers.ts";

describe("cancel", () => {
  it("ends a sleeping run as cancelled, abandons the sleep, and keeps the alarm only for its retention", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("sleeper", { tag, seconds: 3600 });
    await waitForRun(id, (run) => run.status === "sleeping");
    const response = await api(`/api/runs/${id}/cancel`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id, status: "cancelled" });
    const run = await getRun(id);
    expect(run.status).toBe("cancelled");
    expect(run.steps[0]).toMatchObject({ key: "sleep#0", status: "cancelled" });
    // The sleep's wake is gone; what is left is the run deleting itself after 30 days.
    const alarm = await runInDurableObject(runStub(id), (_, state) => state.storage.getAlarm());
    expect(alarm).toBe(Date.parse(run.updatedAt) + 30 * 24 * 3600 * 1000);
    await runDurableObjectAlarm(runStub(id));
    expect((await getRun(id)).status).toBe("cancelled");
    expect(await hits(`${tag}:after`)).toBe(0);
  });

  it("abandons tasks in flight and ignores their late reports", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("held", { tag, n: 4 });
    // Every item's task is running in a consumer, holding until it is told to stop.
    await vi.waitFor(async () => expect(await Promise.all([0, 1, 2, 3].map((i) => hits(`${tag}:held:${i}`)))).toEqual([1, 1, 1, 1]), { timeout: 10_000 });
    expect((await api(`/api/runs/${id}/cancel`, { method: "POST" })).status).toBe(200);
    const run = await getRun(id);
    expect(run.status).toBe("cancelled");
    expect(run.output).toBeNull();
    expect(run.steps.map((s) => s.status)).toEqual(["cancelled", "cancelled", "cancelled", "cancelled"]);
    expect(await runStub(id).report({ key: "parallel#0[0]/hold#0", attempt: 1, result: 0 })).toEqual({ accepted: false });
    expect((await getRun(id)).steps[0]).toMatchObject({ status: "cancelled", error: null });
  });

  it("aborts the signal of a task closure the consumer is still running, and reports nothing for it", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("aborting", { tag });
    await vi.waitFor(async () => expect(await hits(`${tag}:started`)).toBe(1), { timeout: 10_000 });
    expect((await api(`/api/runs/${id}/cancel`, { method: "POST" })).status).toBe(200);
    // The consumer checks about once a second whether its attempts are still wanted.
    await vi.waitFor(async () => expect(await hits(`${tag}:aborted:CancelledError`)).toBe(1), { timeout: 10_000 });
    const run = await getRun(id);
    expect(run.status).toBe("cancelled");
    expect(run.steps[0]).toMatchObject({ key: "wait-for-abort#0", status: "cancelled", error: null });
  });

  it("refuses to cancel a run that already ended (409) and an unknown run (404)", async () => {
    const id = await startRun("counted", { tag: crypto.randomUUID() });
    await waitForRun(id);
    const ended = await api(`/api/runs/${id}/cancel`, { method: "POST" });
    expect(ended.status).toBe(409);
    expect(await ended.json()).toMatchObject({ error: { code: "run_not_active" } });
    expect((await getRun(id)).status).toBe("completed");
    const unknown = await api(`/api/runs/${crypto.randomUUID()}/cancel`, { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "run_not_found" } });
  });
});
