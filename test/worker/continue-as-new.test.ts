// continueAsNew in the real engine: a loop carried over six runs ends with the right
// total, each run linked both ways and each with a fresh log; a successor's start lost to
// a crash or an eviction is made once; a child that continues hands its parent the
// chain's output; an input the schema refuses fails the run; a task closure is refused;
// the list filters by `continued`; a cancel reaches the chain's current run; a restart
// of a continued run continues anew.
import { evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BatonClient, type RunEvent, type RunPage } from "baton-workflows/client";
import { successorIdOf } from "../../src/runs/continue-as-new.ts";
import { Browser } from "./console-browser.ts";
import { api, getRun, pause, runStub, startRun, TOKEN, waitForRun, type RunBody } from "./helpers.ts";

const client = new BatonClient({ baseUrl: "https://baton.test/", token: TOKEN, fetch: (request) => SELF.fetch(request) });

/** Follows a chain from `id` to its last run, each read once it ended (a successor is there as soon as its predecessor reads `continued`). */
async function chainOf(id: string): Promise<RunBody[]> {
  const runs: RunBody[] = [];
  for (let current: string | undefined = id; current !== undefined; ) {
    const run = await waitForRun(current);
    runs.push(run);
    current = run.status === "continued" ? (run.continuedAs ?? "missing continuedAs") : undefined;
  }
  return runs;
}

/** The runs of `workflow` in the list with these statuses. */
async function listed(workflow: string, status: string): Promise<RunPage["runs"]> {
  const response = await api(`/api/runs?workflow=${workflow}&status=${status}&limit=100`);
  expect(response.status).toBe(200);
  return ((await response.json()) as RunPage).runs;
}

/** The run's events. */
async function eventsOf(id: string): Promise<RunEvent[]> {
  return ((await (await api(`/api/runs/${id}/events`)).json()) as { events: RunEvent[] }).events;
}

describe("continueAsNew", () => {
  it("a 5-generation loop ends with the right total, every generation linked both ways with a fresh log", async () => {
    const first = await startRun("summing", { n: 0, total: 0 });
    const runs = await chainOf(first);
    expect(runs.map((run) => run.status)).toEqual(["continued", "continued", "continued", "continued", "continued", "completed"]);
    expect(runs[5]?.output).toBe(15);
    expect(runs.map((run) => run.input)).toEqual([0, 0, 1, 3, 6, 10].map((total, n) => (n === 0 ? { n, total } : { n, total, stop: 5 })));
    for (const [i, run] of runs.entries()) {
      expect(run.workflow).toBe("summing");
      expect(run.continuedFrom).toBe(i === 0 ? undefined : runs[i - 1]?.id);
      expect(run.continuedAs).toBe(i === 5 ? undefined : runs[i + 1]?.id);
      // The successor's id derives from its predecessor's: a replay or a repeated start reaches the same run.
      if (i < 5) expect(run.continuedAs).toBe(successorIdOf(run.id));
      expect(run.steps.map((step) => [step.key, step.kind, step.status])).toEqual(i < 5 ? [["add#0", "task", "completed"], ["continueAsNew#0", "continue", "completed"]] : [["add#0", "task", "completed"]]);
    }
    // A continued run takes no events, and says where they go.
    const event = await api(`/api/runs/${first}/events/go`, { method: "POST", json: {} });
    expect(event.status).toBe(409);
    expect(await event.json()).toEqual({ error: { code: "run_not_active", message: `run ${first} already ended as continued; it takes no events (send it to the run it continued as, ${runs[1]?.id})` } });
    // The run events tell the links too.
    const ended = (await eventsOf(first)).find((event) => event.type === "run.ended");
    expect(ended?.data).toEqual({ status: "continued", continuedAs: runs[1]?.id });
    const created = (await eventsOf(runs[1]?.id ?? "")).find((event) => event.type === "run.created");
    expect(created?.data).toMatchObject({ workflow: "summing", continuedFrom: first });
    // The list filters by the new status: the five that continued, not the last.
    const continued = (await listed("summing", "continued")).map((run) => run.id);
    for (const run of runs.slice(0, 5)) expect(continued).toContain(run.id);
    expect(continued).not.toContain(runs[5]?.id);
    const completed = await listed("summing", "completed");
    expect(completed.find((run) => run.id === runs[5]?.id)).toMatchObject({ status: "completed", continuedFrom: runs[4]?.id });
    expect((await listed("summing", "continued")).find((run) => run.id === first)).toMatchObject({ continuedAs: runs[1]?.id });
    // The console's run page links both ways.
    const browser = await Browser.signedIn();
    const middle = await (await browser.get(`/runs/${runs[2]?.id}`)).text();
    expect(middle).toContain(`<a href="/runs/${runs[1]?.id}" rel="prev">${runs[1]?.id}</a>`);
    expect(middle).toContain(`<a href="/runs/${runs[3]?.id}" rel="next">${runs[3]?.id}</a>`);
    expect(middle).toMatch(/<span class="badge s-continued">continued<\/span>/);
  });

  it("a successor's start that failed, with the run object evicted right after the continueAsNew step, is made exactly once", async () => {
    const first = await startRun("summing", { n: 0, total: 0, stop: 2, gate: true });
    await waitForRun(first, (run) => run.status === "waiting");
    const successor = successorIdOf(first);
    const control = await runStub(first).control();
    await control.failSignalsTo(successor, 1);
    control[Symbol.dispose]();
    expect((await api(`/api/runs/${first}/events/go`, { method: "POST", json: {} })).status).toBe(202);
    const ended = await waitForRun(first);
    expect(ended).toMatchObject({ status: "continued", continuedAs: successor });
    // Its start failed (the injected fault): nothing runs under that id yet.
    expect((await api(`/api/runs/${successor}`)).status).toBe(404);
    // Nothing runs yet to cancel: the cancel is refused as busy, and changes nothing.
    const cancel = await api(`/api/runs/${first}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(409);
    expect(await cancel.json()).toEqual({ error: { code: "run_busy", message: `run ${first} continued as ${successor}, which is still being started; try again in a few seconds` } });
    // A client waiting meanwhile keeps to the continued run until its successor is there.
    const result = client.waitForResult<number>(first, { timeout: 30, interval: 20 });
    await pause(100);
    await evictDurableObject(runStub(first));
    await runStub(first).control().signalsDueNow();
    expect(await result).toBe(0 + 1 + 2);
    const runs = await chainOf(first);
    expect(runs.map((run) => run.status)).toEqual(["continued", "continued", "completed"]);
    expect(runs[2]?.output).toBe(0 + 1 + 2);
    // One successor: no other run continues the first.
    const all = [...(await listed("summing", "continued")), ...(await listed("summing", "completed"))];
    expect(all.filter((run) => run.continuedFrom === first).map((run) => run.id)).toEqual([successor]);
  });

  it("a run object cut off right after the continueAsNew step, before the successor's start went out, starts it once when it comes back", async () => {
    const first = await startRun("summing", { n: 0, total: 0, stop: 1, gate: true });
    await waitForRun(first, (run) => run.status === "waiting");
    await runStub(first).control().cutOffAt("recorded");
    expect((await api(`/api/runs/${first}/events/go`, { method: "POST", json: {} })).status).toBe(202);
    // The cut instance goes; the fresh one finds the end (and the start to send) in storage.
    for (let i = 0; i < 200; i++) {
      const state = await runStub(first)
        .control()
        .cutOff()
        .catch(() => "resetting" as const);
      if (state === undefined) break;
      await pause(10);
    }
    await runStub(first).control().signalsDueNow();
    const runs = await chainOf(first);
    expect(runs.map((run) => [run.status, run.continuedFrom])).toEqual([
      ["continued", undefined],
      ["completed", first],
    ]);
    expect(runs[1]?.output).toBe(1);
    const all = [...(await listed("summing", "continued")), ...(await listed("summing", "completed"))];
    expect(all.filter((run) => run.continuedFrom === first)).toHaveLength(1);
  });

  it("a child that continues as new: its parent's taskFlow gets the chain's final output", async () => {
    const parent = await startRun("summing-parent", { n: 3, total: 100 });
    const run = await waitForRun(parent);
    expect(run).toMatchObject({ status: "completed", output: { total: 100 + 3 + 4 + 5 } });
    const childId = run.steps.find((step) => step.kind === "flow")?.childId ?? "";
    const chain = await chainOf(childId);
    expect(chain.map((child) => [child.status, child.parentId])).toEqual([
      ["continued", parent],
      ["continued", parent],
      ["completed", parent],
    ]);
  });

  it("a cancel of the chain's first run reaches its current run", async () => {
    const first = await startRun("summing", { n: 0, total: 0, stop: 2, hold: true });
    const last = successorIdOf(successorIdOf(first));
    for (let i = 0; i < 500 && (await api(`/api/runs/${last}`)).status === 404; i++) await pause(20);
    await waitForRun(last, (run) => run.status === "waiting");
    const response = await api(`/api/runs/${first}/cancel`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: last, status: "cancelled" });
    expect((await chainOf(first)).map((run) => run.status)).toEqual(["continued", "continued", "cancelled"]);
    // A chain already over: nothing to cancel.
    const again = await api(`/api/runs/${first}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("run_not_active");
  });

  it("a successor's input that the workflow's schema refuses fails the run, which continues as nothing", async () => {
    const first = await startRun("summing", { n: 0, total: 0, bad: true });
    const runs = await chainOf(first);
    expect(runs.map((run) => run.status)).toEqual(["continued", "failed"]);
    const failed = runs[1] as RunBody;
    expect(failed.error).toMatchObject({ name: "InvalidInputError", code: "invalid_input" });
    expect(failed.error?.message).toMatch(/^continueAsNew\(\): the successor's input does not fit the workflow's input schema: \$\.n: /);
    expect(failed.continuedAs).toBeUndefined();
    expect(failed.steps.map((step) => step.kind)).toEqual(["task"]);
    expect((await api(`/api/runs/${successorIdOf(failed.id)}`)).status).toBe(404);
  });

  it("continueAsNew inside a task closure is refused", async () => {
    const run = await waitForRun(await startRun("summing", { n: 0, total: 0, inTask: true }));
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "InvalidArgumentError", message: "continueAsNew() cannot be called inside a task or step closure; call it from the workflow body instead" });
    expect(run.continuedAs).toBeUndefined();
  });

  it("a restart of a continued run continues anew, with a successor of its own", async () => {
    const first = await startRun("summing", { n: 4, total: 6 });
    const [continued] = await chainOf(first);
    const response = await api(`/api/runs/${first}/restart`, { method: "POST", json: {} });
    expect(response.status).toBe(201);
    const restarted = ((await response.json()) as { id: string }).id;
    const runs = await chainOf(restarted);
    expect(runs.map((run) => run.status)).toEqual(["continued", "completed"]);
    expect(runs[0]).toMatchObject({ restartOf: first, continuedAs: successorIdOf(restarted) });
    expect(runs[0]?.continuedAs).not.toBe(continued?.continuedAs);
    // The task's outcome was kept; the continueAsNew ran again.
    expect(runs[0]?.steps.map((step) => step.key)).toEqual(["add#0", "continueAsNew#0"]);
    expect(runs[1]?.output).toBe(6 + 4 + 5);
    expect((await getRun(first)).continuedAs).toBe(successorIdOf(first));
  });
});
