// POST /api/runs/:id/events/:name: an event kept until the run waits for it, one that
// resumes a waiting run, a wait that times out into EventTimeoutError, and the refusals.
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventSentView } from "baton-workflows/client";
import { api, getRun, startRun, waitForRun } from "./helpers.ts";

function send(id: string, name: string, body: unknown): Promise<Response> {
  return api(`/api/runs/${id}/events/${encodeURIComponent(name)}`, { method: "POST", json: body });
}

describe("events", () => {
  it("keeps an event sent before the wait, delivers one sent during it, and times out a missing one, across an eviction", async () => {
    const id = await startRun("events", { pause: 1 });
    const early = await send(id, "ping", { payload: { n: 1 } });
    expect(early.status).toBe(202);
    expect((await early.json()) as EventSentView).toEqual({ name: "ping", deliveredTo: null });
    // The kept event survives the run object being thrown away.
    await abortAllDurableObjects();
    const waiting = await waitForRun(id, (run) => run.events.length === 1 && run.status === "waiting");
    expect(waiting.status).toBe("waiting");
    expect(waiting.events[0]).toMatchObject({ key: "ping#1", name: "ping" });
    expect(waiting.approvals).toEqual([]);
    const during = await send(id, "ping", { payload: { n: 2 } });
    expect((await during.json()) as EventSentView).toEqual({ name: "ping", deliveredTo: "ping#1" });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ first: { n: 1 }, second: { n: 2 } });
    expect((run.output as { missing: string }).missing).toMatch(/^timed out: no event "never" came/);
    expect(run.steps.find((step) => step.key === "never#0")).toMatchObject({ kind: "event", status: "failed", error: { name: "EventTimeoutError" } });
  });

  it("answers 404 for an unknown run, 409 for an ended one, 400 for a bad name or body, 413 for a huge payload", async () => {
    expect((await send(crypto.randomUUID(), "ping", {})).status).toBe(404);
    const id = await startRun("events", { pause: 3600 });
    await waitForRun(id, (run) => run.status === "sleeping");
    const badName = await send(id, "has space", {});
    expect(badName.status).toBe(400);
    expect(await badName.json()).toMatchObject({ error: { code: "invalid_request" } });
    const badBody = await send(id, "ping", { data: 1 });
    expect(badBody.status).toBe(400);
    const huge = await send(id, "ping", { payload: "x".repeat(1024 * 1024 + 10) });
    expect(huge.status).toBe(413);
    expect((await getRun(id)).events).toEqual([]);
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
    const ended = await send(id, "ping", { payload: 1 });
    expect(ended.status).toBe(409);
    expect(await ended.json()).toMatchObject({ error: { code: "run_not_active" } });
  });
});
