// Runs outlive deploys: a run whose tables an earlier release created is upgraded in
// place and finishes (the run object's test control writes them as those releases did,
// with test/support/legacy-runs.ts).
import { runDurableObjectAlarm, SELF } from "cloudflare:test";
import { signApprovalToken } from "../../src/approvals/approval-token.ts";
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

  it("a run sleeping under 0.1.0 (the last release before the package) finishes under this one", async () => {
    const id = crypto.randomUUID();
    const tag = crypto.randomUUID();
    const now = Date.now();
    await wakeLegacy({
      release: "0.1.0",
      id,
      workflow: "sleeper",
      input: { tag, seconds: 1 },
      status: "sleeping",
      createdAt: now - 5000,
      steps: [{ key: "sleep#0", kind: "sleep", status: "sleeping", wakeAt: now - 4000 }],
    });
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: "woke", inbox: [] });
    expect(await hits(`${tag}:after`)).toBe(1);
  });

  it("an approval link 0.1.0 sent (bound to no incarnation) still decides its run after the upgrade", async () => {
    const id = crypto.randomUUID();
    const tag = crypto.randomUUID();
    const now = Date.now();
    await wakeLegacy({
      release: "0.1.0",
      id,
      workflow: "approval",
      input: { tag },
      status: "waiting",
      createdAt: now - 5000,
      steps: [{ key: "approval#0", kind: "approval", status: "waiting", wakeAt: now + 3_600_000, approval: { to: ["ops@example.com"], subject: "Ship it?", message: `Ship ${tag}?`, timeout: 3600, data: { tag } } }],
    });
    await waitForRun(id, (run) => run.status === "waiting");
    const token = await signApprovalToken("test-signing-key", { run: id, key: "approval#0", decision: "approve", expires: now + 3_600_000, to: "ops@example.com" });
    const decided = await SELF.fetch(`https://baton.test/approvals/${token}`, { method: "POST", body: new URLSearchParams(), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://baton.test" } });
    expect(decided.status).toBe(200);
    const run = await waitForRun(id);
    expect(run.output).toMatchObject({ decision: { approved: true, by: "ops@example.com" } });
    expect(await hits(`${tag}:after`)).toBe(1);
  });
});
