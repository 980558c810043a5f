// Safe deploys: changing a workflow's code under a run in flight fails that run with
// the non-determinism error, unless the change is guarded by patched(), which keeps
// old runs on the old path while new runs take the new one. A flag the workflow reads
// stands in for the deploy (the test Worker cannot be redeployed mid-test).
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flip } from "../hit.ts";
import { api, runStub, startRun, waitForRun } from "./helpers.ts";

async function deployV2(deploy: string): Promise<void> {
  flip(`${deploy}:v2`);
}

async function approve(id: string): Promise<void> {
  expect((await api(`/api/runs/${id}/approvals/gate%230`, { method: "POST", json: { approved: true } })).status).toBe(200);
}

/**
 * Starts a run on version 1, lets it reach its approval, then deploys version 2; the
 * eviction stands for the new isolates a deploy brings, so the run replays its log
 * under the new code. Answers the run's id.
 */
async function runAcrossDeploy(deploy: string, style: "unsafe" | "patched"): Promise<string> {
  const id = await startRun("evolving", { deploy, style });
  await waitForRun(id, (run) => run.status === "waiting");
  await deployV2(deploy);
  await evictDurableObject(runStub(id));
  return id;
}

describe("deploys under runs in flight", () => {
  it("a run whose code changed unguarded fails with the non-determinism error, never diverging silently", async () => {
    const id = await runAcrossDeploy(crypto.randomUUID(), "unsafe");
    await approve(id);
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "NonDeterminismError", code: "non_determinism" });
    expect(run.error?.message).toContain('recorded task "a"');
    expect(run.error?.message).toContain('asked for task "x"');
    expect(run.steps.map((step) => step.key)).toEqual(["a#0", "gate#0"]);
  });

  it("patched() lets a run started on the old code and one started on the new code both finish", async () => {
    const deploy = crypto.randomUUID();
    const old = await runAcrossDeploy(deploy, "patched");
    const fresh = await startRun("evolving", { deploy, style: "patched" });
    await waitForRun(fresh, (run) => run.status === "waiting");
    await approve(old);
    await approve(fresh);
    const [oldRun, freshRun] = [await waitForRun(old), await waitForRun(fresh)];
    expect(oldRun).toMatchObject({ status: "completed", output: "a-b" });
    expect(oldRun.steps.map((step) => step.key)).toEqual(["a#0", "gate#0", "b#0"]);
    expect(freshRun).toMatchObject({ status: "completed", output: "x-b" });
    // The new run records its marker; it takes no position, so the keys are unchanged.
    expect(freshRun.steps.map((step) => [step.key, step.kind])).toEqual([
      ["patch:x-first", "patch"],
      ["x#0", "task"],
      ["gate#0", "approval"],
      ["b#0", "task"],
    ]);
  });

  it("a run replayed after the deploy keeps taking the path patched() chose for it", async () => {
    const deploy = crypto.randomUUID();
    await deployV2(deploy);
    const id = await startRun("evolving", { deploy, style: "patched" });
    await waitForRun(id, (run) => run.status === "waiting");
    await evictDurableObject(runStub(id));
    await approve(id);
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: "x-b" });
  });
});
