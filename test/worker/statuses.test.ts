// Statuses that tell the truth: a run that sleeps and waits for an event at once lists
// both with the earliest wakeAt, and every step key run detail lists — with "/", "#",
// "%", spaces and brackets in its name, and a child flow's at a nested path — is fetched
// by the step route as listed, URL-encoded once (encodeURIComponent).
import { describe, expect, it } from "vitest";
import { api, getRun, runStub, startRun, waitForRun } from "./helpers.ts";

describe("what a run waits on", () => {
  it("lists a sleep and an event wait begun together, with the earliest wakeAt, and each step by the key it lists", async () => {
    const id = await startRun("statuses");
    const run = await waitForRun(id, (r) => r.status === "waiting" && r.waitingOn.length === 2);
    const [sleep, event] = run.waitingOn;
    expect(sleep).toMatchObject({ kind: "sleep", key: "nap#0" });
    expect(event).toMatchObject({ kind: "event", key: "go#0", name: "go" });
    const wakeAt = sleep?.kind === "sleep" ? sleep.wakeAt : null;
    expect(run.wakeAt).toBe(wakeAt);
    expect(event?.kind === "event" && event.expiresAt !== null && wakeAt !== null && Date.parse(event.expiresAt) > Date.parse(wakeAt)).toBe(true);

    // Every key as listed, URL-encoded once, answers its step.
    const keys = run.steps.map((step) => step.key);
    expect(keys).toEqual(expect.arrayContaining(["a%2Fb %231 at 50%25 %5Bx%5D#0", "nested%2Fhello#0"]));
    for (const key of keys) {
      const response = await api(`/api/runs/${id}/steps/${encodeURIComponent(key)}`);
      expect([key, response.status]).toEqual([key, 200]);
      expect(((await response.json()) as { key: string }).key).toBe(key);
    }
    expect((await api(`/api/runs/${id}/steps/${encodeURIComponent("nested/hello#0")}`)).status).toBe(404);

    expect((await api(`/api/runs/${id}/events/go`, { method: "POST", json: { payload: "went" } })).status).toBe(202);
    expect(await waitForRun(id, (r) => r.status === "sleeping")).toMatchObject({ waitingOn: [{ kind: "sleep", key: "nap#0" }], wakeAt });
    await runStub(id).control().skipWait("nap#0");
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: { child: "hello, keys", event: "went" }, waitingOn: [] });
    expect((await getRun(id)).wakeAt).toBeUndefined();
  });
});
