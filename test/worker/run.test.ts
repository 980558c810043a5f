import { describe, expect, it, vi } from "vitest";
import { runInDurableObject } from "cloudflare:test";
import type { RunObject } from "../../src/runs/run-object.ts";
import { tallied } from "../hit.ts";
import { getRun, hits, runStub, startRun, waitForRun } from "./helpers.ts";

describe("a run", () => {
  it("runs a fetch-all end to end: parallel fetches (answered by the test's stand-in for the internet), a sleep, a save", async () => {
    const urls = ["https://a.example/1", "https://b.example/2", "https://c.example/3"];
    const id = await startRun("fetch-all", { urls, pause: 0 });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    const output = run.output as { processed: number; results: { url: string; size: number }[] };
    expect(output.processed).toBe(3);
    expect(output.results.map((r) => r.url)).toEqual(urls);
    // Each stand-in response echoes its URL, so the sizes differ with the URL.
    expect(output.results[0]?.size).toBe(JSON.stringify({ url: urls[0], fake: true }).length);
    expect(run.steps.filter((s) => s.kind === "task")).toHaveLength(7);
    expect(run.steps.map((s) => s.key)).toContain("parallel#0[2]/transform#0");
  });

  it("runs each task, step and sleep exactly once in a normal run", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("counted", { tag });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ total: 10 });
    expect(run.steps.map((s) => [s.key, s.kind, s.status, s.attempts])).toEqual([
      ["a#0", "task", "completed", 1],
      ["b#0", "task", "completed", 1],
      ["s#0", "step", "completed", 1],
      ["sleep#0", "sleep", "completed", 1],
      ["c#0", "task", "completed", 1],
    ]);
    for (const name of ["a", "b", "s", "c"]) expect(await hits(`${tag}:${name}`)).toBe(1);
    for (const step of run.steps) {
      expect(Date.parse(step.endedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
    }
  });

  it("keeps a warm run's workflow alive: 100 sequential steps start the body once", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("steps100", { tag });
    const run = await waitForRun(id);
    expect(run.output).toEqual({ total: 4950 });
    expect(run.steps).toHaveLength(100);
    expect(tallied(`${tag}:body`)).toBe(1);
  });

  it("surfaces a task's error in the workflow with its name and message, and rejects results that are not JSON", async () => {
    const id = await startRun("errors", {});
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({
      caught: { name: "QuotaError", message: "quota exceeded for account 42" },
      notJson: {
        name: "SerializationError",
        message: 'the result of "when#0" is not JSON-serializable: a Date is not a plain object; return plain data (e.g. an ISO string for a Date)',
      },
    });
    const charge = run.steps.find((s) => s.key === "charge#0");
    expect(charge?.status).toBe("failed");
    expect(charge?.error).toMatchObject({ name: "QuotaError", message: "quota exceeded for account 42" });
    expect(run.steps.find((s) => s.key === "when#0")?.error?.name).toBe("SerializationError");
  });

  it("fails the run with the uncaught error's name and message", async () => {
    const id = await startRun("errors", { rethrow: true });
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "TypeError", message: "the workflow gave up", stack: expect.stringContaining("TypeError: the workflow gave up") });
    expect(run.output).toBeNull();
  });

  it("shows sleeping with its wake time while asleep, and is woken by the alarm", async () => {
    const tag = crypto.randomUUID();
    const before = Date.now();
    const id = await startRun("sleeper", { tag, seconds: 1 });
    const asleep = await waitForRun(id, (run) => run.status === "sleeping");
    expect(Date.parse(asleep.wakeAt ?? "")).toBeGreaterThanOrEqual(before + 1000);
    expect(asleep.steps[0]).toMatchObject({ key: "sleep#0", kind: "sleep", status: "sleeping" });
    expect(await hits(`${tag}:after`)).toBe(0);
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("woke");
    expect(Date.parse(run.steps[0]?.endedAt ?? "")).toBeGreaterThanOrEqual(before + 1000);
    expect(await hits(`${tag}:after`)).toBe(1);
    expect((await getRun(id)).wakeAt).toBeUndefined();
  });

  it("holds nothing while asleep: the only alarm is the wake time", async () => {
    for (const id of [
      await startRun("sleeper", { tag: crypto.randomUUID(), seconds: 3600 }),
      // Tasks first: their deadlines must not leave an earlier alarm behind.
      await startRun("counted", { tag: crypto.randomUUID(), pause: 3600 }),
    ]) {
      const asleep = await waitForRun(id, (run) => run.status === "sleeping");
      // The alarm is set by the flush that follows the status; it settles on the wake time.
      await vi.waitFor(async () => expect(await runInDurableObject(runStub(id), (_instance: RunObject, state) => state.storage.getAlarm())).toBe(Date.parse(asleep.wakeAt ?? "")), { timeout: 10_000 });
    }
  });
});
