// Scheduled workflows: the cron trigger's handler, called here with the scheduled times
// a real trigger would carry, starts each due workflow once per minute with input
// {scheduledAt}; "skip" starts nothing while the previous scheduled run is active.
import { createScheduledController, env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { RunPage, WorkflowEntry } from "baton-workflows/client";
import worker from "../worker.ts";
import { api, getRun, waitForRun, type RunBody } from "./helpers.ts";

async function tick(at: string): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: "* * * * *" }), env);
}

/** Every run of `workflow`, with its detail, oldest first. */
async function runsOf(workflow: string): Promise<RunBody[]> {
  const page = (await (await api(`/api/runs?workflow=${encodeURIComponent(workflow)}&limit=100`)).json()) as RunPage;
  const runs = await Promise.all(page.runs.map((run) => getRun(run.id)));
  return runs.reverse();
}

async function scheduleOf(name: string): Promise<WorkflowEntry["schedule"]> {
  const { workflows } = (await (await api("/api/workflows")).json()) as { workflows: WorkflowEntry[] };
  const entry = workflows.find((w) => w.name === name);
  if (!entry) throw new Error(`${name} is not listed`);
  return entry.schedule;
}

/** The runs of `workflow` scheduled on `day` (YYYY-MM-DD). */
async function runsOn(workflow: string, day: string): Promise<RunBody[]> {
  return (await runsOf(workflow)).filter((run) => (run.input as { scheduledAt: string }).scheduledAt.startsWith(day));
}

async function finish(id: string): Promise<void> {
  expect((await api(`/api/runs/${id}/events/done`, { method: "POST", json: { payload: null } })).status).toBe(202);
  await waitForRun(id);
}

/** Ends every scheduled run still waiting, so the next test's "skip" starts from a clean slate. */
async function finishAll(): Promise<void> {
  for (const workflow of ["scheduled/minutely", "scheduled/overlapping"]) {
    for (const run of await runsOf(workflow)) if (run.status !== "completed") await finish(run.id);
  }
}

describe("schedules", () => {
  // Every tick starts every workflow due then: a minute ticked for one test starts the others' too.
  afterEach(finishAll);

  it("starts one run per due minute with input {scheduledAt}, however often the minute's event comes", async () => {
    await tick("2030-03-01T10:00:37Z");
    await tick("2030-03-01T10:00:59.999Z");
    await Promise.all([tick("2030-03-01T10:00:00Z"), tick("2030-03-01T10:00:12Z")]);
    const runs = (await runsOf("scheduled/overlapping")).filter((run) => (run.input as { scheduledAt: string }).scheduledAt === "2030-03-01T10:00:00.000Z");
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run?.workflow).toBe("scheduled/overlapping");
    expect(await scheduleOf("scheduled/overlapping")).toMatchObject({ last: { scheduledAt: "2030-03-01T10:00:00.000Z", outcome: "started", runId: run?.id } });
  });

  it('with overlap "allow" starts a run every minute even while earlier ones are active', async () => {
    await tick("2030-03-02T10:00:00Z");
    await tick("2030-03-02T10:01:00Z");
    const runs = await runsOn("scheduled/overlapping", "2030-03-02");
    expect(runs.map((run) => (run.input as { scheduledAt: string }).scheduledAt)).toEqual(["2030-03-02T10:00:00.000Z", "2030-03-02T10:01:00.000Z"]);
    for (const run of runs) await waitForRun(run.id, (r) => r.status === "waiting");
  });

  it('with overlap "skip" (the default) starts nothing while the previous scheduled run is active, and starts again once it ended', async () => {
    await tick("2030-04-01T08:00:00Z");
    const [first, ...others] = await runsOn("scheduled/minutely", "2030-04-01");
    expect(others).toHaveLength(0);
    await waitForRun(first?.id ?? "", (run) => run.status === "waiting");

    await tick("2030-04-01T08:01:00Z");
    expect(await runsOn("scheduled/minutely", "2030-04-01")).toHaveLength(1);
    expect(await scheduleOf("scheduled/minutely")).toMatchObject({ overlap: "skip", last: { scheduledAt: "2030-04-01T08:01:00.000Z", outcome: "skipped", runId: first?.id } });

    await finish(first?.id ?? "");
    expect((await getRun(first?.id ?? "")).output).toEqual({ scheduledAt: "2030-04-01T08:00:00.000Z" });
    await tick("2030-04-01T08:02:00Z");
    const runs = await runsOn("scheduled/minutely", "2030-04-01");
    expect(runs.map((run) => (run.input as { scheduledAt: string }).scheduledAt)).toEqual(["2030-04-01T08:00:00.000Z", "2030-04-01T08:02:00.000Z"]);
  });

  it('with overlap "skip", a scheduled run that continued as new is active while its chain is', async () => {
    await tick("2030-05-01T06:00:00Z");
    const [first] = await runsOn("scheduled/continuing", "2030-05-01");
    const ended = await waitForRun(first?.id ?? "");
    expect(ended.status).toBe("continued");
    const successor = ended.continuedAs ?? "";
    await waitForRun(successor, (run) => run.status === "waiting");
    await tick("2031-05-01T06:00:00Z");
    expect(await runsOn("scheduled/continuing", "2031")).toHaveLength(0);
    expect(await scheduleOf("scheduled/continuing")).toMatchObject({ last: { scheduledAt: "2031-05-01T06:00:00.000Z", outcome: "skipped", runId: first?.id } });
    await finish(successor);
    await tick("2032-05-01T06:00:00Z");
    expect(await runsOn("scheduled/continuing", "2032")).toHaveLength(1);
  });

  it("reads the schedule in its time zone: 09:30 in Berlin is 08:30 UTC in winter and 07:30 UTC in summer, weekdays only", async () => {
    // Each run ends before the next tick: with "skip", a tick while one runs would start nothing.
    const settle = async () => Promise.all((await runsOf("scheduled/berlin-morning")).map((run) => waitForRun(run.id)));
    await tick("2026-12-01T08:30:00Z"); // Tuesday, CET
    await settle();
    await tick("2026-12-01T09:30:00Z"); // 10:30 in Berlin
    await tick("2026-12-05T08:30:00Z"); // Saturday
    await tick("2027-07-01T07:30:00Z"); // Thursday, CEST
    await settle();
    const runs = await runsOf("scheduled/berlin-morning");
    expect(runs.map((run) => (run.input as { scheduledAt: string }).scheduledAt)).toEqual(["2026-12-01T08:30:00.000Z", "2027-07-01T07:30:00.000Z"]);
    const ended = await Promise.all(runs.map((run) => waitForRun(run.id)));
    expect(ended.map((run) => run.output)).toEqual([{ scheduledAt: "2026-12-01T08:30:00.000Z" }, { scheduledAt: "2027-07-01T07:30:00.000Z" }]);
  });

  it("GET /api/workflows shows each schedule and its next due time; other workflows have none", async () => {
    const { workflows } = (await (await api("/api/workflows")).json()) as { workflows: WorkflowEntry[] };
    const berlin = workflows.find((w) => w.name === "scheduled/berlin-morning")?.schedule;
    expect(berlin).toMatchObject({ cron: "30 9 * * 1-5", timezone: "Europe/Berlin", overlap: "skip" });
    const next = new Date(berlin?.next ?? "");
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const local = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false }).format(next);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:30$/);
    expect(workflows.find((w) => w.name === "scheduled/minutely")?.schedule).toMatchObject({ cron: "* * * * *", timezone: "UTC", overlap: "skip" });
    expect(workflows.find((w) => w.name === "counted")?.schedule).toBeNull();
  });

  it("starts nothing in a minute no schedule matches", async () => {
    const before = (await runsOf("scheduled/berlin-morning")).length;
    await tick("2030-05-04T03:17:00Z");
    expect(await runsOf("scheduled/berlin-morning")).toHaveLength(before);
  });
});
