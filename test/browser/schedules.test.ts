// The cron trigger under `wrangler dev --test-scheduled`: wrangler's /__scheduled route
// fires the Worker's scheduled event as Cloudflare's cron would, and the scheduler
// starts each due workflow once per minute however often the event comes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunDetail, RunPage, WorkflowEntry } from "baton-workflows/client";
import { startDevServer, TOKEN, type DevServer } from "./dev-server.ts";

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer();
});

afterAll(async () => {
  await server?.stop();
});

async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Fires the scheduled event now through wrangler's /__scheduled, or at `time` (ms) through miniflare's route that takes one. */
async function fireCron(time?: number): Promise<void> {
  const cron = encodeURIComponent("* * * * *");
  const url = time === undefined ? `${server.url}/__scheduled?cron=${cron}` : `${server.url}/cdn-cgi/mf/scheduled?cron=${cron}&time=${time}`;
  const response = await fetch(url);
  expect(response.status, await response.clone().text()).toBe(200);
}

/** The heartbeat runs due at `minute` (ms), with their details. */
async function beatsAt(minute: number): Promise<RunDetail[]> {
  const page = await get<RunPage>("/api/runs?workflow=heartbeat&limit=100");
  const runs = await Promise.all(page.runs.map((run) => get<RunDetail>(`/api/runs/${run.id}`)));
  return runs.filter((run) => (run.input as { scheduledAt: string }).scheduledAt === new Date(minute).toISOString());
}

async function ended(id: string): Promise<RunDetail> {
  for (;;) {
    const run = await get<RunDetail>(`/api/runs/${id}`);
    if (run.status === "completed" || run.status === "failed") return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("schedules under wrangler dev", () => {
  it("two events through /__scheduled in the same minute start exactly one run, with input {scheduledAt}", async () => {
    // Two events straddling a minute's end would rightly start two runs: wait that out.
    while (Date.now() % 60_000 > 50_000) await new Promise((resolve) => setTimeout(resolve, 500));
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await Promise.all([fireCron(), fireCron()]);
    expect(Math.floor(Date.now() / 60_000) * 60_000).toBe(minute);
    const runs = await beatsAt(minute);
    expect(runs).toHaveLength(1);
    expect((await ended(runs[0]?.id ?? "")).output).toEqual({ beat: new Date(minute).toISOString() });
    const { workflows } = await get<{ workflows: WorkflowEntry[] }>("/api/workflows");
    expect(workflows.find((w) => w.name === "heartbeat")?.schedule).toMatchObject({ cron: "* * * * *", last: { outcome: "started", runId: runs[0]?.id } });
  });
  it("an event names the minute it was for: two for a past minute start one run for that minute", async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
    await fireCron(minute + 3_000);
    await fireCron(minute + 57_000);
    const runs = await beatsAt(minute);
    expect(runs).toHaveLength(1);
    expect((await ended(runs[0]?.id ?? "")).output).toEqual({ beat: new Date(minute).toISOString() });
  });

});
