// waitForApproval decided through the API, timed out by the alarm, across eviction and in parallel.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, getRun, hits, runStub, startRun, waitForRun } from "./helpers.ts";

function decide(id: string, key: string, body: unknown): Promise<Response> {
  return api(`/api/runs/${id}/approvals/${encodeURIComponent(key)}`, { method: "POST", json: body });
}

describe("waitForApproval through the API", () => {
  it("waits (status waiting, approval listed), then resumes with the decision", async () => {
    const tag = crypto.randomUUID();
    const before = Date.now();
    const id = await startRun("approval", { tag });
    const waiting = (await waitForRun(id, (run) => run.status === "waiting"));
    expect(waiting.approvals).toHaveLength(1);
    expect(waiting.approvals[0]).toMatchObject({ key: "approval#0", to: ["ops@example.com"], message: `Ship ${tag}?` });
    expect(Date.parse(waiting.approvals[0]?.expiresAt ?? "")).toBeGreaterThanOrEqual(before + 24 * 3600 * 1000);
    expect(await hits(`${tag}:after`)).toBe(0);

    const response = await decide(id, "approval#0", { approved: true, by: "ada@example.com", comment: "ship it" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ key: "approval#0", approved: true, decision: "approved", by: "ada@example.com", comment: "ship it" });

    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    const output = run.output as { decision: { approved: boolean; decision: string; by: string; comment: string; decidedAt: string } };
    expect(output.decision).toMatchObject({ approved: true, decision: "approved", by: "ada@example.com", comment: "ship it" });
    expect(Date.parse(output.decision.decidedAt)).toBeGreaterThanOrEqual(before);
    expect(await hits(`${tag}:after`)).toBe(1);
    expect(run.approvals).toEqual([]);

    const again = await decide(id, "approval#0", { approved: false });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: "approval_already_decided" } });
  });

  it("resumes with a rejection", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "waiting");
    expect((await decide(id, "approval#0", { approved: false })).status).toBe(200);
    const run = await waitForRun(id);
    expect(run.output).toMatchObject({ decision: { approved: false, decision: "rejected" } });
  });

  it("answers an unknown approval with 404 and a bad body with 400, deciding nothing", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "waiting");
    const unknown = await decide(id, "approval#9", { approved: true });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "approval_not_found" } });
    const bad = await decide(id, "approval#0", { approved: "yes" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_request" } });
    expect((await getRun(id)).status).toBe("waiting");
  });

  it("ends the wait with decision timeout when the alarm passes the deadline, and refuses a later decision", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID(), timeout: 1 });
    const run = await waitForRun(id);
    expect(run.output).toMatchObject({ decision: { approved: false, decision: "timeout" } });
    const late = await decide(id, "approval#0", { approved: true });
    expect(late.status).toBe(409);
    const body = (await late.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("approval_already_decided");
    expect(body.error.message).toContain("timeout");
  });

  it("takes a decision for a run whose object was evicted while it waited", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("approval", { tag });
    await waitForRun(id, (run) => run.status === "waiting");
    await evictDurableObject(runStub(id));
    expect((await decide(id, "approval#0", { approved: true })).status).toBe(200);
    const run = await waitForRun(id);
    expect(run.output).toMatchObject({ decision: { decision: "approved" } });
    expect(await hits(`${tag}:after`)).toBe(1);
  });

  it("resumes two approvals in parallel branches decided in either order", async () => {
    const id = await startRun("two-approvals", {});
    const waiting = (await waitForRun(id, (run) => run.status === "waiting" && run.approvals.length === 2));
    expect(waiting.approvals.map((a) => a.key)).toEqual(["parallel#0[0]/approval#0", "parallel#0[1]/approval#0"]);
    expect((await decide(id, "parallel#0[1]/approval#0", { approved: false })).status).toBe(200);
    expect((await getRun(id)).status).toBe("waiting");
    expect((await decide(id, "parallel#0[0]/approval#0", { approved: true })).status).toBe(200);
    const run = await waitForRun(id);
    expect(run.output).toEqual(["alpha:approved", "beta:rejected"]);
  });

  it("refuses a decision for a cancelled run", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "waiting");
    expect((await api(`/api/runs/${id}/cancel`, { method: "POST" })).status).toBe(200);
    const refused = await decide(id, "approval#0", { approved: true });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: "run_not_active" } });
  });
});
