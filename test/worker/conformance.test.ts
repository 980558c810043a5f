// The conformance cases in workerd: each run started through the API, its waits ended
// once the run is at rest, warm and again rebuilt (every Durable Object aborted before
// each wait is ended), with consumer mirrors on and (in the workers-replay project)
// off. Every host must end each run as the case says.
import { abortAllDurableObjects, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CASES, result, type Case } from "../conformance/cases.ts";
import { api, getRun, runStub, startRun, waitForRun, type RunBody } from "./helpers.ts";

/** True once nothing but sleeps and approvals is open and the step at `key` waits. */
function atRest(key: string): (run: RunBody) => boolean {
  return (run) => (run.status === "sleeping" || run.status === "waiting") && run.steps.some((step) => step.key === key && (step.status === "sleeping" || step.status === "waiting"));
}

/** True once the step at `key` has begun and is still open. */
function begun(key: string): (run: RunBody) => boolean {
  return (run) => run.steps.some((step) => step.key === key && (step.status === "running" || step.status === "sleeping" || step.status === "waiting"));
}

async function play(c: Case, rebuild: boolean): Promise<RunBody> {
  const id = await startRun(c.path, c.input);
  for (const wait of c.waits) {
    if ("cancel" in wait) {
      await waitForRun(id, begun(wait.cancel));
      // A task is in flight: the run object is evicted (not every object aborted, which would fail the consumer's report and leave it to the queue's retry).
      if (rebuild) await evictDurableObject(runStub(id));
      expect((await api(`/api/runs/${id}/cancel`, { method: "POST" })).status).toBe(200);
      continue;
    }
    const key = "sleep" in wait ? wait.sleep : wait.approve;
    await waitForRun(id, atRest(key));
    if (rebuild) await abortAllDurableObjects();
    if ("sleep" in wait) expect(await runStub(id).control().skipWait(key)).toEqual([key]);
    else expect((await api(`/api/runs/${id}/approvals/${encodeURIComponent(key)}`, { method: "POST", json: { approved: wait.approved } })).status).toBe(200);
  }
  await waitForRun(id);
  return getRun(id);
}

describe.each([false, true])("workerd conformance (rebuilt mid-run: %s)", (rebuild) => {
  it.each(CASES.map((c) => [c.path, c] as const))("%s", async (_path, c) => {
    const run = await play(c, rebuild);
    expect(result(run)).toEqual(c.expected);
  });
});
