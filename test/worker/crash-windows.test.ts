// A crash at any point of the alarm, event, start and restart paths leaves the run's
// alarm within the liveness window (30 s, the default heartbeat timeout) of the cut, and
// the run recovers when that much time has passed: never the 10 minutes of a task's
// default timeout. The run object is cut off by a test seam (control().cutOffAt), which
// stops it as a crash would: what it stored before the point stays, nothing after runs.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIVENESS_MS } from "baton-workflows/engine";
import type { RunDetail } from "baton-workflows/client";
import { batonTest } from "../../src/testing/workerd.ts";
import type { CutPoint } from "../../src/testing/run-control.ts";
import { runIdFromKey } from "../../src/runs/run-ids.ts";
import { api, hits, pause, runStub } from "./helpers.ts";

const baton = batonTest(env);
const POINTS: CutPoint[] = ["transition", "recorded", "sent"];
/** Time the test itself takes between noting the cut and the object storing it. */
const SLACK_MS = 2_000;

/** Arms the cut (and drops task messages, so only what the test does moves the run on). */
async function armCut(id: string, point: CutPoint): Promise<void> {
  await runStub(id).control().cutOffAt(point);
  await runStub(id).control().loseTaskMessages(100);
}

/** Waits until the object that was cut off is gone (a fresh instance answers) and reads the alarm it stored. */
async function storedAlarmAfterCut(id: string): Promise<number | null> {
  for (let i = 0; i < 500; i++) {
    // An object being reset answers with the reason it was aborted: not gone yet, ask again.
    const state = await runStub(id)
      .control()
      .cutOff()
      .catch(() => "resetting" as const);
    if (state === undefined) break;
    await pause(10);
  }
  return runInDurableObject(runStub(id), (_object, state) => state.storage.getAlarm());
}

/** Starts a crash-window run and waits until it sleeps at its nap (task a done). */
async function sleepingRun(tag: string): Promise<string> {
  const id = await baton.start("crash-window", { tag });
  await baton.waitFor(id, (run) => run.status === "sleeping");
  return id;
}

/** Skips the nap and waits until the run waits for its event (task b done). */
async function waitingRun(tag: string): Promise<string> {
  const id = await sleepingRun(tag);
  await baton.skip(id);
  await baton.waitFor(id, (run) => run.status === "waiting");
  return id;
}

const waits = (status: RunDetail["status"]) => (run: RunDetail) => run.status === status;

describe("crash windows", () => {
  for (const point of POINTS) {
    it(`start cut off at "${point}": the alarm is within the liveness window, and the run is listed and goes on after it`, async () => {
      const tag = crypto.randomUUID();
      const id = crypto.randomUUID();
      await armCut(id, point);
      const cutAt = Date.now();
      await runStub(id).start({ id, workflow: "crash-window", input: { tag }, idempotencyKey: null, origin: null }).catch(() => undefined);
      const alarm = await storedAlarmAfterCut(id);
      expect(alarm).not.toBeNull();
      expect(alarm).toBeLessThanOrEqual(cutAt + LIVENESS_MS + SLACK_MS);
      await runStub(id).control().elapse(LIVENESS_MS);
      await baton.waitFor(id, waits("sleeping"));
      expect(await hits(`${tag}:a`)).toBe(1);
      const list = (await (await api("/api/runs?workflow=crash-window&limit=100")).json()) as { runs: { id: string }[] };
      expect(list.runs.map((run) => run.id)).toContain(id);
    });

    it(`a sleep's end cut off at "${point}": the alarm is within the liveness window, and the next task runs after it`, async () => {
      const tag = crypto.randomUUID();
      const id = await sleepingRun(tag);
      await armCut(id, point);
      const cutAt = Date.now();
      await runStub(id).control().skipWait().catch(() => undefined);
      const alarm = await storedAlarmAfterCut(id);
      expect(alarm).not.toBeNull();
      expect(alarm).toBeLessThanOrEqual(cutAt + LIVENESS_MS + SLACK_MS);
      await runStub(id).control().elapse(LIVENESS_MS);
      await baton.waitFor(id, waits("waiting"));
      expect(await runStub(id).sendEvent("go", 5)).toMatchObject({ status: "accepted" });
      expect((await baton.waitForEnd(id)).output).toBe(7);
      expect([await hits(`${tag}:a`), await hits(`${tag}:b`), await hits(`${tag}:c`)]).toEqual([1, 1, 1]);
    });

    it(`an event cut off at "${point}": the alarm is within the liveness window, and the task it starts runs after it`, async () => {
      const tag = crypto.randomUUID();
      const id = await waitingRun(tag);
      await armCut(id, point);
      const cutAt = Date.now();
      await runStub(id).sendEvent("go", 5).catch(() => undefined);
      const alarm = await storedAlarmAfterCut(id);
      expect(alarm).not.toBeNull();
      expect(alarm).toBeLessThanOrEqual(cutAt + LIVENESS_MS + SLACK_MS);
      await runStub(id).control().elapse(LIVENESS_MS);
      const run = await baton.waitForEnd(id);
      // Cut off before the event was stored, the run still waits for it: the sender was not answered, and sends it again.
      if (run.status !== "completed") throw new Error(`run ${id} ended ${run.status}`);
      expect(run.output).toBe(7);
      expect(await hits(`${tag}:c`)).toBe(1);
    });

    it(`a restart cut off at "${point}": the new run's alarm is within the liveness window, and it is listed and ends after it`, async () => {
      const tag = crypto.randomUUID();
      const old = await waitingRun(tag);
      await runStub(old).sendEvent("go", 5);
      await baton.waitForEnd(old);
      const id = crypto.randomUUID();
      await armCut(id, point);
      const cutAt = Date.now();
      await runStub(old).restart({ id, fromStep: "c#0", idempotencyKey: null, origin: null }).catch(() => undefined);
      const alarm = await storedAlarmAfterCut(id);
      expect(alarm).not.toBeNull();
      expect(alarm).toBeLessThanOrEqual(cutAt + LIVENESS_MS + SLACK_MS);
      await runStub(id).control().elapse(LIVENESS_MS);
      expect((await baton.waitForEnd(id)).output).toBe(7);
      expect([await hits(`${tag}:a`), await hits(`${tag}:b`), await hits(`${tag}:c`)]).toEqual([1, 1, 2]);
      const list = (await (await api("/api/runs?workflow=crash-window&limit=100")).json()) as { runs: { id: string }[] };
      expect(list.runs.map((run) => run.id)).toContain(id);
    });
  }
});

describe("a start or restart cut off before its run was listed", () => {
  const listed = async (id: string) => ((await (await api("/api/runs?workflow=crash-window&limit=100")).json()) as { runs: { id: string }[] }).runs.some((run) => run.id === id);

  it("is listed by its retry with the same Idempotency-Key, which answers 200 with the run", async () => {
    const key = `cut-start-${crypto.randomUUID()}`;
    const id = await runIdFromKey(key);
    await armCut(id, "transition");
    const body = { workflow: "crash-window", input: { tag: crypto.randomUUID() } };
    const cut = await api("/api/runs", { method: "POST", json: body, headers: { "Idempotency-Key": key } });
    expect(cut.status).toBeGreaterThanOrEqual(500);
    await storedAlarmAfterCut(id);
    expect(await listed(id)).toBe(false);
    const retry = await api("/api/runs", { method: "POST", json: body, headers: { "Idempotency-Key": key } });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { id: string }).id).toBe(id);
    expect(await listed(id)).toBe(true);
    expect((await api(`/api/runs/${id}`)).status).toBe(200);
  });

  it("a restart likewise", async () => {
    const old = await waitingRun(crypto.randomUUID());
    await runStub(old).sendEvent("go", 1);
    await baton.waitForEnd(old);
    const key = `cut-restart-${crypto.randomUUID()}`;
    const id = await runIdFromKey(key);
    await armCut(id, "transition");
    const cut = await api(`/api/runs/${old}/restart`, { method: "POST", json: { fromStep: "c#0" }, headers: { "Idempotency-Key": key } });
    expect(cut.status).toBeGreaterThanOrEqual(500);
    await storedAlarmAfterCut(id);
    expect(await listed(id)).toBe(false);
    const retry = await api(`/api/runs/${old}/restart`, { method: "POST", json: { fromStep: "c#0" }, headers: { "Idempotency-Key": key } });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { id: string }).id).toBe(id);
    expect(await listed(id)).toBe(true);
  });
});
