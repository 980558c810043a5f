// Cancellation that reaches the body, in workerd: the run's cancel throws into the
// awaited task, the finally cleanup task runs (even across an eviction) before the run
// ends cancelled, a second cancel ends it at once, and a race's losing wait takes no
// later event.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { api, getRun, hits, runStub, startRun, waitForRun } from "./helpers.ts";

const cancel = async (id: string): Promise<{ status: string }> => {
  const response = await api(`/api/runs/${id}/cancel`, { method: "POST" });
  expect(response.status).toBe(200);
  return (await response.json()) as { status: string };
};
const stepStatuses = (steps: { key: string; status: string }[]): Record<string, string> => Object.fromEntries(steps.map((step) => [step.key, step.status]));

describe("cancellation that reaches the body", () => {
  it("runs the finally cleanup task of a run cancelled during a task before it ends cancelled", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("cancel-cleanup", { tag });
    await vi.waitFor(async () => expect(await hits(`${tag}:long:started`)).toBe(1), { timeout: 10_000 });
    await cancel(id);
    const run = await waitForRun(id);
    expect(run.status).toBe("cancelled");
    expect(stepStatuses(run.steps)).toEqual({ "long#0": "cancelled", "cleanup#0": "completed" });
    expect(await hits(`${tag}:cleanup:done`)).toBe(1);
    // Its events tell the cancel, the interrupted task, then the cleanup, in that order.
    const events = ((await (await api(`/api/runs/${id}/events`)).json()) as { events: { type: string; key?: string }[] }).events;
    const told = events.map((event) => `${event.type}${event.key ? ` ${event.key}` : ""}`);
    const at = (what: string) => told.indexOf(what);
    expect(at("run.cancel_requested")).toBeGreaterThan(-1);
    expect(at("run.cancel_requested")).toBeLessThan(at("step.cancelled long#0"));
    expect(at("step.cancelled long#0")).toBeLessThan(at("step.scheduled cleanup#0"));
    expect(at("step.completed cleanup#0")).toBeLessThan(at("run.ended"));
    expect(told.some((line) => line.includes("cancel#0"))).toBe(false);
    expect((await api(`/api/runs/${id}/steps/cancel%230`)).status).toBe(404);
    // The long task's consumer heard that its attempt is no longer wanted.
    await vi.waitFor(async () => expect(await hits(`${tag}:long:aborted`)).toBe(1), { timeout: 10_000 });
  });

  it("answers the live status while the cleanup runs, and a second cancel ends the run at once", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("cancel-cleanup", { tag, holdCleanup: true });
    await vi.waitFor(async () => expect(await hits(`${tag}:long:started`)).toBe(1), { timeout: 10_000 });
    expect((await cancel(id)).status).toBe("running");
    await vi.waitFor(async () => expect(await hits(`${tag}:cleanup:started`)).toBe(1), { timeout: 10_000 });
    expect((await getRun(id)).status).toBe("running");
    expect((await cancel(id)).status).toBe("cancelled");
    const run = await getRun(id);
    expect(run.status).toBe("cancelled");
    expect(stepStatuses(run.steps)).toEqual({ "long#0": "cancelled", "cleanup#0": "cancelled" });
    await vi.waitFor(async () => expect(await hits(`${tag}:cleanup:aborted`)).toBe(1), { timeout: 10_000 });
  });

  it("still completes the cleanup and ends cancelled when the run object is evicted between the cancel and the cleanup's end", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("cancel-cleanup", { tag, holdCleanup: true });
    await vi.waitFor(async () => expect(await hits(`${tag}:long:started`)).toBe(1), { timeout: 10_000 });
    await cancel(id);
    await vi.waitFor(async () => expect(await hits(`${tag}:cleanup:started`)).toBe(1), { timeout: 10_000 });
    await evictDurableObject(runStub(id));
    // Let the cleanup finish: its report reaches a fresh instance, which replays the log (the cancel in it).
    await env.PROBE.get(env.PROBE.idFromName("probe")).hit(`${tag}:release`);
    const run = await waitForRun(id);
    expect(run.status).toBe("cancelled");
    expect(stepStatuses(run.steps)).toEqual({ "long#0": "cancelled", "cleanup#0": "completed" });
    expect(await hits(`${tag}:cleanup:done`)).toBe(1);
  });

  it("gives an event to the next wait, not to the wait that lost a race", async () => {
    const id = await startRun("race-loser");
    await waitForRun(id, (run) => run.steps.some((step) => step.key === "short#0" && step.status === "sleeping"));
    expect(await runStub(id).control().skipWait("short#0")).toEqual(["short#0"]);
    await waitForRun(id, (run) => run.steps.some((step) => step.key === "go#1" && step.status === "waiting"));
    const sent = await api(`/api/runs/${id}/events/go`, { method: "POST", json: { payload: { n: 1 } } });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toMatchObject({ deliveredTo: "go#1" });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ first: null, second: { n: 1 } });
    expect(stepStatuses(run.steps)).toEqual({ "go#0": "cancelled", "short#0": "completed", "go#1": "completed" });
  });
});
