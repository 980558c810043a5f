// A run's event stream under `wrangler dev`, as a client outside the Worker reads it:
// Server-Sent Events of a run with three tasks and a sleep arrive in order and end with
// the run; when the dev server is killed and restarted mid-run, the client resumes with
// Last-Event-ID and misses nothing (BatonClient.events does the same by itself). And a
// run cancelled during a task runs its finally cleanup task before it ends cancelled.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../sdk/client/index.ts";
import { readSse } from "../../sdk/client/sse.ts";
import { TOKEN, useDevServer } from "./dev-server.ts";

const dev = useDevServer();

/** Every event of the run, read as JSON pages. */
async function pages(id: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for (let after = 0; ; ) {
    const page = await dev.client.eventPage(id, { after, limit: 7 });
    events.push(...page.events);
    after = page.cursor;
    if (page.ended || page.events.length === 0) return events;
  }
}

/** Reads the run's stream after `after` until `stop` says so or it ends; what it read, and whether it saw the end. */
async function read(id: string, after: number, stop: (events: RunEvent[]) => boolean = () => false): Promise<{ events: RunEvent[]; ended: boolean }> {
  const response = await fetch(`${dev.server.url}/api/runs/${id}/events`, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: "text/event-stream", "Last-Event-ID": String(after) } });
  expect(response.status).toBe(200);
  const events: RunEvent[] = [];
  try {
    for await (const message of readSse(response.body!)) {
      if (message.event === "end") return { events, ended: true };
      const event = JSON.parse(message.data) as RunEvent;
      expect(message.id).toBe(String(event.id));
      events.push(event);
      if (stop(events)) break;
    }
  } catch {
    // The dev.server went away under the stream.
  }
  return { events, ended: false };
}

const steps = (events: RunEvent[]) => events.filter((event) => event.key !== undefined).map((event) => `${event.type} ${event.key}`);

describe("run event streams under wrangler dev", () => {
  it("streams every step event of three tasks and a sleep in order, resumes after a killed dev dev.server, and misses nothing", { timeout: 120_000 }, async () => {
    const { id } = await dev.client.start("three-tasks", { seconds: 4 });
    const first = await read(id, 0, (events) => events.some((event) => event.type === "step.sleeping"));
    expect(first.ended).toBe(false);
    await dev.server.kill();
    await dev.server.restart();
    const last = first.events.at(-1)!.id;
    const rest = await read(id, last);
    expect(rest.ended).toBe(true);
    const all = [...first.events, ...rest.events];
    expect(all.map((event) => event.id)).toEqual(all.map((_, n) => n + 1));
    expect(all).toEqual(await pages(id));
    const task = (key: string) => [`step.scheduled ${key}`, `step.attempt.started ${key}`, `step.attempt.ended ${key}`, `step.completed ${key}`];
    expect(steps(all)).toEqual([...task("a#0"), ...task("b#0"), "step.sleeping pause#0", "step.completed pause#0", ...task("c#0")]);
    expect(all.at(-1)).toMatchObject({ type: "run.ended", data: { status: "completed" } });
  });

  it("BatonClient.events follows a run across a restart of the dev dev.server by itself", { timeout: 120_000 }, async () => {
    const { id } = await dev.client.start("three-tasks", { seconds: 4 });
    const seen: RunEvent[] = [];
    let killed: Promise<void> | undefined;
    for await (const event of dev.client.events(id)) {
      seen.push(event);
      if (event.type === "step.sleeping") killed = dev.server.kill().then(() => dev.server.restart());
    }
    await killed;
    expect(killed).toBeDefined();
    expect(seen.map((event) => event.id)).toEqual(seen.map((_, n) => n + 1));
    expect(seen).toEqual(await pages(id));
    expect(seen.at(-1)?.type).toBe("run.ended");
  });

  it("runs the finally cleanup task of a run cancelled during its task, then ends cancelled", { timeout: 60_000 }, async () => {
    const { id } = await dev.client.start("cleanup", { seconds: 30 });
    const told: string[] = [];
    for await (const event of dev.client.events(id)) {
      told.push(`${event.type}${event.key ? ` ${event.key}` : ""}`);
      if (event.type === "step.attempt.started" && event.key === "long#0") await dev.client.cancel(id);
    }
    const run = await dev.client.get(id);
    expect(run.status).toBe("cancelled");
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ["long#0", "cancelled"],
      ["cleanup#0", "completed"],
    ]);
    expect(told.indexOf("run.cancel_requested")).toBeLessThan(told.indexOf("step.completed cleanup#0"));
    expect(told.at(-1)).toBe("run.ended");
  });
});
