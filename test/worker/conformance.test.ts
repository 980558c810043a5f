// The conformance cases in workerd: each run started through the API, its waits ended
// once the run is at rest, warm and again rebuilt (every Durable Object aborted before
// each wait is ended), with consumer mirrors on and (in the workers-replay project)
// off. Every host must end each run as the case says.
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CASES, result, type Case } from "../conformance/cases.ts";
import { api, getRun, runStub, startRun, waitForRun, type RunBody } from "./helpers.ts";

/** True once nothing but sleeps and approvals is open and the step at `key` waits. */
function atRest(key: string): (run: RunBody) => boolean {
  return (run) => (run.status === "sleeping" || run.status === "waiting") && run.steps.some((step) => step.key === key && (step.status === "sleeping" || step.status === "waiting"));
}

async function play(c: Case, rebuild: boolean): Promise<RunBody> {
  const id = await startRun(c.path, c.input);
  for (const wait of c.waits) {
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
