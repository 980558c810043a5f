// POST /api/runs/:id/events/:name: an event kept until the run waits for it, one that
// resumes a waiting run, a wait that times out into EventTimeoutError, and the refusals.
import { abortAllDurableObjects, SELF } from "cloudflare:test";
import { main } from "../../sdk/cli/index.ts";
import { describe, expect, it } from "vitest";
import type { EventSentView } from "baton-workflows/client";
import { api, getRun, startRun, TOKEN, waitForRun, megabytes } from "./helpers.ts";

function send(id: string, name: string, body: unknown): Promise<Response> {
  return api(`/api/runs/${id}/events/${encodeURIComponent(name)}`, { method: "POST", json: body });
}

describe("events", () => {
  it("keeps an event sent before the wait, delivers one sent during it, and times out a missing one, across an eviction", async () => {
    const id = await startRun("events", { pause: 1 });
    const early = await send(id, "ping", { payload: { n: 1 } });
    expect(early.status).toBe(202);
    // Sent while the run sleeps: kept, and the answer says the run waits for nothing yet.
    expect((await early.json()) as EventSentView).toEqual({ name: "ping", deliveredTo: null, waiting: false, waitingFor: [] });
    // The kept event survives the run object being thrown away.
    await abortAllDurableObjects();
    const waiting = await waitForRun(id, (run) => run.events.length === 1 && run.status === "waiting");
    expect(waiting.status).toBe("waiting");
    expect(waiting.events[0]).toMatchObject({ key: "ping#1", name: "ping" });
    expect(waiting.approvals).toEqual([]);
    const during = await send(id, "ping", { payload: { n: 2 } });
    expect((await during.json()) as EventSentView).toMatchObject({ name: "ping", deliveredTo: "ping#1", waiting: true });
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
    // Over the 100 MB a request may carry with the BATON_PAYLOADS bucket (1 MiB without: no-payloads.test.ts), streamed.
    const huge = await api(`/api/runs/${id}/events/ping`, { method: "POST", body: megabytes(101), headers: { "Content-Type": "application/json" } });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: "payload_too_large", message: expect.stringContaining("over 100000000 bytes") as string } });
    expect((await getRun(id)).events).toEqual([]);
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
    const ended = await send(id, "ping", { payload: 1 });
    expect(ended.status).toBe(409);
    expect(await ended.json()).toMatchObject({ error: { code: "run_not_active" } });
  });

  it("answers an event the run is not waiting for with waiting: false and the names it waits for, and the CLI warns", async () => {
    const id = await startRun("inbox", { pause: 0, n: 1 });
    await waitForRun(id, (run) => run.status === "waiting");
    const wrong = await send(id, "pnig", { payload: 1 });
    expect(wrong.status).toBe(202);
    expect((await wrong.json()) as EventSentView).toEqual({ name: "pnig", deliveredTo: null, waiting: false, waitingFor: ["ping"] });
    const err: string[] = [];
    const code = await main(["event", id, "pnig"], { env: { BATON_URL: "https://baton.test", BATON_TOKEN: TOKEN }, out: () => {}, err: (line) => err.push(line), fetch: (request) => SELF.fetch(request) });
    expect(code).toBe(0);
    expect(err).toEqual([`baton: warning: run ${id} is not waiting for "pnig"; it waits for "ping"`]);
    expect((await getRun(id)).status).toBe("waiting");
  });
});
