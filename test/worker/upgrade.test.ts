// Runs outlive deploys: a run whose tables an earlier release created is upgraded in
// place and finishes (the run object's test control writes them as those releases did,
// with test/support/legacy-runs.ts).
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LegacyRun } from "../support/legacy-runs.ts";
import { hits, runStub, waitForRun } from "./helpers.ts";

/** Stores `run` as its release did (through the run object's test control), with the alarm due now, then runs the alarm. */
async function wakeLegacy(run: LegacyRun): Promise<void> {
  await runStub(run.id).writeLegacyRun(run);
  expect(await runDurableObjectAlarm(runStub(run.id))).toBe(true);
}

describe("schema upgrade", () => {
  it("a run sleeping under the release before composition wakes under this one and completes", async () => {
    const id = crypto.randomUUID();
    const tag = crypto.randomUUID();
    const now = Date.now();
    await wakeLegacy({
      release: "before-composition",
      id,
      workflow: "sleeper",
      input: { tag, seconds: 1 },
      status: "sleeping",
      createdAt: now - 5000,
      steps: [{ key: "sleep#0", kind: "sleep", status: "sleeping", wakeAt: now - 4000 }],
    });
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: "woke", kind: "workflow", parentId: null, version: null });
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ["sleep#0", "completed"],
      ["after#0", "completed"],
    ]);
    expect(await hits(`${tag}:after`)).toBe(1);
  });

  it("a run recorded before the delivery order was kept replays its settled steps as it did, and completes", async () => {
    const id = crypto.randomUUID();
    const tag = crypto.randomUUID();
    const now = Date.now();
    const options = { retries: { limit: 5, delay: 1, backoff: "exponential" }, timeout: 600 };
    await wakeLegacy({
      release: "before-delivery-order",
      id,
      workflow: "counted",
      input: { tag, pause: 1 },
      status: "sleeping",
      createdAt: now - 5000,
      steps: [
        { key: "a#0", kind: "task", status: "completed", result: 1, options },
        { key: "b#0", kind: "task", status: "completed", result: 2, options },
        { key: "s#0", kind: "step", status: "completed", result: 3, options },
        { key: "sleep#0", kind: "sleep", status: "sleeping", wakeAt: now - 4000 },
      ],
    });
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: { total: 10 } });
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ["a#0", "completed"],
      ["b#0", "completed"],
      ["s#0", "completed"],
      ["sleep#0", "completed"],
      ["c#0", "completed"],
    ]);
    // Only the step recorded after the upgrade ran.
    expect([await hits(`${tag}:a`), await hits(`${tag}:s`), await hits(`${tag}:c`)]).toEqual([0, 0, 1]);
  });
});
