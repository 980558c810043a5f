// Pause and resume: a paused run starts no new attempt and fires no timer, what was
// running finishes and is recorded, and on resume the run replays its log and what fell
// due meanwhile fires. Through the API, the CLI and the console.
import { describe, expect, it } from "vitest";
import { baton } from "./cli-runner.ts";
import { Browser } from "./console-browser.ts";
import { api, getRun, hits, pause as wait, runStub, startRun, waitForRun } from "./helpers.ts";

const post = (path: string) => api(path, { method: "POST" });

describe("pausing a run", () => {
  it("fires no timer while paused, and fires what fell due on resume", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("crash-window", { tag });
    await waitForRun(id, (run) => run.status === "sleeping");
    const paused = await post(`/api/runs/${id}/pause`);
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as { status: string }).status).toBe("paused");
    // The nap falls due; the paused run fires nothing.
    await runStub(id).control().skipWait("nap#0");
    await wait(300);
    const still = await getRun(id);
    expect(still.status).toBe("paused");
    expect(still.steps.find((step) => step.key === "nap#0")?.status).toBe("sleeping");
    expect(await hits(`${tag}:b`)).toBe(0);
    const listed = (await (await api("/api/runs?status=paused&workflow=crash-window&limit=100")).json()) as { runs: { id: string }[] };
    expect(listed.runs.map((run) => run.id)).toContain(id);
    // Pausing again changes nothing.
    expect((await post(`/api/runs/${id}/pause`)).status).toBe(200);

    const resumed = await post(`/api/runs/${id}/resume`);
    expect(resumed.status).toBe(200);
    const waiting = await waitForRun(id, (run) => run.status === "waiting");
    expect(waiting.steps.find((step) => step.key === "nap#0")?.status).toBe("completed");
    expect(await hits(`${tag}:b`)).toBe(1);
    expect((await api(`/api/runs/${id}/events/go`, { method: "POST", json: { payload: 5 } })).status).toBe(202);
    expect((await waitForRun(id)).output).toBe(7);
    expect([await hits(`${tag}:a`), await hits(`${tag}:b`), await hits(`${tag}:c`)]).toEqual([1, 1, 1]);
  });

  it("records what finishes while paused, and starts the next task only on resume", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("crash-window", { tag });
    await waitForRun(id, (run) => run.status === "sleeping");
    await runStub(id).control().skipWait("nap#0");
    await waitForRun(id, (run) => run.status === "waiting");
    // Paused while waiting for its event; the event comes meanwhile and is recorded, but task c does not start.
    expect((await post(`/api/runs/${id}/pause`)).status).toBe(200);
    expect((await api(`/api/runs/${id}/events/go`, { method: "POST", json: { payload: 5 } })).status).toBe(202);
    await wait(300);
    const paused = await getRun(id);
    expect(paused.status).toBe("paused");
    expect(paused.steps.find((step) => step.key === "go#0")?.status).toBe("completed");
    expect(paused.steps.some((step) => step.key === "c#0")).toBe(false);
    expect(await hits(`${tag}:c`)).toBe(0);
    expect((await post(`/api/runs/${id}/resume`)).status).toBe(200);
    expect((await waitForRun(id)).output).toBe(7);
    expect(await hits(`${tag}:c`)).toBe(1);
  });

  it("refuses an ended run and an unknown one, and changes nothing when resuming a run that is not paused", async () => {
    const id = await startRun("crash-window", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "sleeping");
    const notPaused = await post(`/api/runs/${id}/resume`);
    expect(notPaused.status).toBe(200);
    expect(((await notPaused.json()) as { status: string }).status).toBe("sleeping");
    expect((await post(`/api/runs/${id}/cancel`)).status).toBe(200);
    for (const action of ["pause", "resume"]) {
      const ended = await post(`/api/runs/${id}/${action}`);
      expect(ended.status).toBe(409);
      expect(((await ended.json()) as { error: { code: string } }).error.code).toBe("run_not_active");
      expect((await post(`/api/runs/never-started/${action}`)).status).toBe(404);
    }
  });

  it("is done from the CLI and the console too", async () => {
    const id = await startRun("crash-window", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "sleeping");
    const paused = await baton(["pause", id]);
    expect([paused.code, paused.out]).toEqual([0, [`${id}: paused`]]);
    const browser = await Browser.signedIn();
    const page = await (await browser.get(`/runs/${id}`)).text();
    expect(page).toContain(`action="/runs/${id}/resume"`);
    expect((await browser.post(`/runs/${id}/resume`, {})).status).toBe(303);
    expect((await getRun(id)).status).toBe("sleeping");
    expect((await browser.post(`/runs/${id}/pause`, {})).status).toBe(303);
    const resumed = await baton(["resume", id]);
    expect([resumed.code, resumed.out]).toEqual([0, [`${id}: sleeping`]]);
    expect((await post(`/api/runs/${id}/cancel`)).status).toBe(200);
  });
});
