// POST /api/runs/:id/restart: a new run with the same input keeps the steps that
// completed before the step restarted from (they do not run again) and runs the rest.
import { describe, expect, it } from "vitest";
import type { RestartView } from "baton-workflows/client";
import { api, hits, startRun, waitForRun } from "./helpers.ts";

function restart(id: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return api(`/api/runs/${id}/restart`, { method: "POST", ...(body === undefined ? {} : { json: body }), headers });
}

describe("restart", () => {
  it("restarts a failed run from its failed step without running the earlier task again", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("restartable", { tag });
    const failed = await waitForRun(id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ name: "FatalError", message: "carrier refused the parcel" });
    const response = await restart(id);
    expect(response.status).toBe(201);
    const restarted = (await response.json()) as RestartView;
    expect(restarted).toMatchObject({ restartOf: id, fromStep: "ship#0" });
    expect(restarted.id).not.toBe(id);
    const run = await waitForRun(restarted.id);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ receipt: "r-1", parcel: "p-1" });
    expect(run.restartOf).toBe(id);
    expect(await hits(`${tag}:charge`)).toBe(1);
    expect(await hits(`${tag}:ship`)).toBe(2);
    // The kept step shows its output and what it printed, as in the run it came from.
    const charge = (await (await api(`/api/runs/${restarted.id}/steps/${encodeURIComponent("charge#0")}`)).json()) as { output: unknown; logs: { message: string }[] };
    expect(charge.output).toEqual({ receipt: "r-1" });
    expect(charge.logs.map((line) => line.message)).toEqual([`charging ${tag}`]);
    // The old run is as it was.
    expect((await waitForRun(id)).status).toBe("failed");
  });

  it("restarts from an earlier step, running it and everything after it again", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("restartable", { tag });
    await waitForRun(id);
    const response = await restart(id, { fromStep: "charge#0" });
    const run = await waitForRun(((await response.json()) as RestartView).id);
    expect(run.output).toEqual({ receipt: "r-2", parcel: "p-1" });
    expect(await hits(`${tag}:charge`)).toBe(2);
  });

  it("answers the same new run for a repeated Idempotency-Key", async () => {
    const id = await startRun("restartable", { tag: crypto.randomUUID() });
    await waitForRun(id);
    const key = `restart-${crypto.randomUUID()}`;
    const first = await restart(id, {}, { "Idempotency-Key": key });
    const again = await restart(id, {}, { "Idempotency-Key": key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(((await again.json()) as RestartView).id).toBe(((await first.json()) as RestartView).id);
  });

  it("refuses an active run (409), an unknown step (404), an unknown run (404) and a bad body (400)", async () => {
    const id = await startRun("sleeper", { tag: crypto.randomUUID(), seconds: 3600 });
    await waitForRun(id, (run) => run.status === "sleeping");
    const active = await restart(id);
    expect(active.status).toBe(409);
    expect(await active.json()).toMatchObject({ error: { code: "run_not_active" } });
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
    const unknownStep = await restart(id, { fromStep: "nope#0" });
    expect(unknownStep.status).toBe(404);
    expect(await unknownStep.json()).toMatchObject({ error: { code: "step_not_found" } });
    expect((await restart(crypto.randomUUID())).status).toBe(404);
    expect((await restart(id, { from: "sleep#0" })).status).toBe(400);
  });
});
