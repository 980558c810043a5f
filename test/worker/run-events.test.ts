// A run's event stream: numbered events of every transition, as JSON pages after a
// cursor and as Server-Sent Events that end with the run and resume by Last-Event-ID —
// also after the run object was reset mid-stream — and the all-runs stream.
import { abortAllDurableObjects, createExecutionContext, env, SELF } from "cloudflare:test";
import { BatonService } from "../../src/service.ts";
import { describe, expect, it } from "vitest";
import { BatonClient, type RunEvent, type RunStreamEvent } from "baton-workflows/client";
import { readSse } from "../../sdk/client/sse.ts";
import { api, runStub, startRun, TOKEN, waitForRun } from "./helpers.ts";

const client = new BatonClient({ baseUrl: "https://baton.test", token: TOKEN, fetch: (request) => SELF.fetch(request) });

/** Drives a crash-window run to its end: the sleep falls due, then the event comes. */
async function drive(id: string): Promise<void> {
  await waitForRun(id, (run) => run.status === "sleeping");
  await runStub(id).control().skipWait("nap#0");
  await waitForRun(id, (run) => run.status === "waiting");
  expect((await api(`/api/runs/${id}/events/go`, { method: "POST", json: { payload: 5 } })).status).toBe(202);
}

/** Every event of a run, read page by page. */
async function allEvents(id: string, limit = 500): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await client.eventPage(id, { after, limit });
    events.push(...page.events);
    after = page.cursor;
    if (page.ended || page.events.length === 0) return events;
  }
}

const summary = (events: RunEvent[]) => events.map((event) => [event.type, event.key ?? null]);

describe("run events", () => {
  it("numbers every transition, in the order it happened, and pages them after a cursor", async () => {
    const id = await startRun("crash-window", { tag: crypto.randomUUID() });
    await drive(id);
    await waitForRun(id);
    const events = await allEvents(id);
    expect(events.map((event) => event.id)).toEqual(events.map((_, n) => n + 1));
    const told = summary(events);
    // Each task: scheduled, claimed, ended, completed — in that order, before the next call.
    for (const key of ["a#0", "b#0", "c#0"]) {
      const of = told.filter(([, k]) => k === key).map(([type]) => type);
      expect(of).toEqual(["step.scheduled", "step.attempt.started", "step.attempt.ended", "step.completed"]);
    }
    const order = (type: string, key: string | null) => told.findIndex(([t, k]) => t === type && k === key);
    expect(order("run.created", null)).toBe(0);
    expect(order("step.completed", "a#0")).toBeLessThan(order("step.sleeping", "nap#0"));
    expect(order("step.sleeping", "nap#0")).toBeLessThan(order("step.completed", "nap#0"));
    expect(order("step.completed", "b#0")).toBeLessThan(order("step.waiting", "go#0"));
    expect(order("step.completed", "go#0")).toBeLessThan(order("step.scheduled", "c#0"));
    expect(told[told.length - 1]).toEqual(["run.ended", null]);
    expect(events.at(-1)?.data).toEqual({ status: "completed" });
    expect(events.find((event) => event.type === "step.sleeping")?.data).toMatchObject({ kind: "sleep", name: "nap" });
    expect(events.find((event) => event.type === "step.waiting")?.data).toMatchObject({ for: "event", event: "go" });
    expect(events.some((event) => event.type === "run.status" && event.data.to === "sleeping")).toBe(true);
    // Small pages add up to the same events.
    expect(await allEvents(id, 3)).toEqual(events);
  });

  it("tells a failed attempt, its retry and the lines an attempt printed", async () => {
    const id = await startRun("retrying", { tag: crypto.randomUUID(), failures: 1 });
    await waitForRun(id);
    const events = (await allEvents(id)).filter((event) => event.key === "flaky#0");
    expect(events.map((event) => [event.type, event.attempt])).toEqual([
      ["step.scheduled", 1],
      ["step.attempt.started", 1],
      ["step.attempt.ended", 1],
      ["step.retrying", 1],
      ["step.scheduled", 2],
      ["step.attempt.started", 2],
      ["step.attempt.ended", 2],
      ["step.completed", 2],
    ]);
    expect(events[2]?.data).toMatchObject({ ok: false, error: { name: "TypeError", message: "attempt 1 failed" } });
    expect(events[6]?.data).toEqual({ ok: true });

    const chatty = await startRun("chatty", { name: "Ada" });
    await waitForRun(chatty);
    const logs = (await allEvents(chatty)).filter((event) => event.type === "log");
    expect(logs.map((event) => [event.key, event.data.level, event.data.message])).toContainEqual(["greet#0", "log", "hello Ada"]);
    expect(logs.map((event) => [event.key, event.attempt, event.data.message])).toContainEqual(["count#0", 2, "attempt 2"]);
  });

  it("tells the first 100 lines of an attempt, then how many more its logs hold, in order", async () => {
    const id = await startRun("noisy", { lines: 130 });
    await waitForRun(id);
    const events = (await allEvents(id)).filter((event) => event.key === "print#0");
    expect(events.map((event) => event.id)).toEqual(events.map((_, n) => events[0]!.id + n));
    const logs = events.filter((event) => event.type === "log").map((event) => event.data.message);
    expect(logs).toEqual([...Array.from({ length: 100 }, (_, n) => `line ${n + 1}`), "… 30 more lines in the step's logs"]);
    expect(events.map((event) => event.type).filter((type) => type !== "log")).toEqual(["step.scheduled", "step.attempt.started", "step.attempt.ended", "step.completed"]);
    expect(events.at(-1)?.data).toMatchObject({ outputSize: 3 });
  });

  it("streams Server-Sent Events to the end, and resumes after Last-Event-ID", async () => {
    const id = await startRun("crash-window", { tag: crypto.randomUUID() });
    const response = await api(`/api/runs/${id}/events`, { headers: { Accept: "text/event-stream" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const driving = drive(id);
    const frames: { event: string; id?: string; data: string }[] = [];
    for await (const message of readSse(response.body!)) frames.push(message);
    await driving;
    expect(frames.at(-1)).toMatchObject({ event: "end", data: JSON.stringify({ status: "completed" }) });
    const streamed = frames.slice(0, -1).map((frame) => JSON.parse(frame.data) as RunEvent);
    expect(frames.slice(0, -1).map((frame) => frame.id)).toEqual(streamed.map((event) => String(event.id)));
    expect(streamed).toEqual(await allEvents(id));

    // Resuming after event 5 gets 6… and the end, nothing before.
    const resumed = await api(`/api/runs/${id}/events`, { headers: { Accept: "text/event-stream", "Last-Event-ID": "5" } });
    const again: string[] = [];
    for await (const message of readSse(resumed.body!)) again.push(message.id ?? message.event);
    expect(again).toEqual([...streamed.slice(5).map((event) => String(event.id)), "end"]);
  });

  it("misses nothing when the run object is reset mid-stream: the client resumes by cursor", async () => {
    const id = await startRun("crash-window", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "sleeping");
    const read: RunEvent[] = [];
    const reading = (async () => {
      for await (const event of client.events(id)) read.push(event);
    })();
    // The stream has what happened so far; then every object is reset under it.
    while (!read.some((event) => event.type === "step.sleeping")) await new Promise((resolve) => setTimeout(resolve, 10));
    await abortAllDurableObjects().catch(() => {});
    await drive(id);
    await reading;
    expect(read).toEqual(await allEvents(id));
    expect(read.at(-1)?.type).toBe("run.ended");
  });

  it("streams every run's creation, status changes and end, filtered, from a cursor", async () => {
    // Where the stream stands now: its first message says, before any event.
    const opened = await api("/api/runs/stream", { headers: { Accept: "text/event-stream" } });
    const ready = (await readSse(opened.body!).next()).value;
    expect(ready?.event).toBe("ready");
    const seen: RunStreamEvent[] = [];
    let id = "";
    const subscribed = (async () => {
      for await (const event of client.subscribe({ workflow: "crash-window", after: ready!.id! })) {
        seen.push(event);
        if (event.type === "run.ended" && event.run.id === id) break;
      }
    })();
    // Another workflow's run is not told.
    await waitForRun(await startRun("nested/hello", { name: "Ada" }));
    id = await startRun("crash-window", { tag: crypto.randomUUID() });
    await drive(id);
    await subscribed;
    expect(seen.every((event) => event.run.workflow === "crash-window")).toBe(true);
    const ofRun = seen.filter((event) => event.run.id === id);
    expect(ofRun[0]?.type).toBe("run.created");
    expect(ofRun.at(-1)).toMatchObject({ type: "run.ended", run: { status: "completed" } });
    expect(ofRun.map((event) => event.run.status)).toContain("sleeping");

    // Resuming after the creation tells what came after it, and no other workflow's runs.
    const after = ofRun[0]!.id;
    const later: RunStreamEvent[] = [];
    for await (const event of client.subscribe({ workflow: "crash-window", after })) {
      later.push(event);
      if (event.type === "run.ended" && event.run.id === id) break;
    }
    expect(later.map((event) => event.type)).toEqual(ofRun.slice(1).map((event) => event.type));
  });

  it("pages the same events over a service binding, with the API's refusals", async () => {
    const id = await startRun("nested/hello", { name: "Ada" });
    await waitForRun(id);
    const service = new BatonService(createExecutionContext(), env);
    const page = await service.events(id, { after: 1, limit: 2 });
    expect(page.events.map((event) => event.id)).toEqual([2, 3]);
    expect(page.events).toEqual((await client.eventPage(id, { after: 1, limit: 2 })).events);
    expect((await service.events(id, { after: page.cursor, limit: 500 })).ended).toBe(true);
    await expect(service.events(id, { after: -1 })).rejects.toThrow(/^invalid_request: after must be/);
    await expect(service.events("no-such-run")).rejects.toThrow(/^run_not_found: /);
  });

  it("refuses a cursor or filter that does not fit, and an unknown run", async () => {
    const id = await startRun("nested/hello", { name: "Ada" });
    await waitForRun(id);
    const bad = [
      await api(`/api/runs/${id}/events?after=-1`),
      await api(`/api/runs/${id}/events?limit=0`),
      await api(`/api/runs/${id}/events?after=x`, { headers: { Accept: "text/event-stream" } }),
      await api(`/api/runs/${id}/events`, { headers: { Accept: "text/event-stream", "Last-Event-ID": "seven" } }),
      await api("/api/runs/stream?status=asleep"),
      await api("/api/runs/stream", { headers: { "Last-Event-ID": "1.2" } }),
    ];
    for (const response of bad) {
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    }
    const missing = await api("/api/runs/no-such-run/events", { headers: { Accept: "text/event-stream" } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("run_not_found");
    expect((await api(`/api/runs/${id}/events`, { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  });
});
