// Nothing that crosses an RPC, a queue message or an HTTP answer grows with the run: a
// run holding tens of MB of results still reaches its next task (with consumer mirrors
// off too), and its detail stays small, its steps paged.
import { describe, expect, it } from "vitest";
import type { RunDetail, StepPage } from "baton-workflows/client";
import { api, runStub, startRun, waitForRun } from "./helpers.ts";

describe("a run holding 36 MB of step results", () => {
  it("runs its next task, and answers its detail in well under 2 MB", async () => {
    const id = await startRun("big-results", {});
    const run = await waitForRun(id, undefined, 120_000);
    expect(run.error).toBeNull();
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ total: 36_000_000, next: "after 40 results" });
    const detail = await (await api(`/api/runs/${id}`)).text();
    expect(detail.length).toBeLessThan(2_000_000);
  }, 180_000);
});

describe("a run's steps", () => {
  it("come a page of 1,000 at a time: the first in the run's detail, the rest from GET /api/runs/:id/steps", async () => {
    const id = await startRun("steps100", { tag: crypto.randomUUID(), n: 2_500 });
    const run = await waitForRun(id, undefined, 60_000);
    expect(run.status).toBe("completed");
    expect(run.steps).toHaveLength(1_000);
    expect(run.stepCount).toBe(2_500);
    const keys = run.steps.map((step) => step.key);
    let cursor = run.nextStepsCursor;
    let pages = 1;
    while (cursor !== null) {
      const response = await api(`/api/runs/${id}/steps?cursor=${encodeURIComponent(cursor)}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as StepPage;
      expect(page.stepCount).toBe(2_500);
      keys.push(...page.steps.map((step) => step.key));
      cursor = page.nextCursor;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(keys).toEqual(Array.from({ length: 2_500 }, (_, i) => `step#${i}`));
    const small = (await (await api(`/api/runs/${id}/steps?limit=10`)).json()) as StepPage;
    expect(small.steps.map((step) => step.key)).toEqual(keys.slice(0, 10));
  });

  it("refuse a bad cursor or limit (400) and an unknown run (404)", async () => {
    const id = await startRun("steps100", { tag: crypto.randomUUID(), n: 3 });
    await waitForRun(id);
    expect((await api(`/api/runs/${id}/steps?cursor=nonsense`)).status).toBe(400);
    expect((await api(`/api/runs/${id}/steps?limit=5000`)).status).toBe(400);
    expect((await api(`/api/runs/${crypto.randomUUID()}/steps`)).status).toBe(404);
    const detail = (await (await api(`/api/runs/${id}`)).json()) as RunDetail;
    expect(detail).toMatchObject({ stepCount: 3, nextStepsCursor: null });
  });
});

describe("per-run limits", () => {
  async function startLimited(workflow: string, input: unknown, limits: { steps?: number; logBytes?: number }): Promise<string> {
    const id = crypto.randomUUID();
    await runStub(id).control().useLimits(limits);
    await runStub(id).start({ id, workflow, input: input as never, idempotencyKey: null, origin: null });
    return id;
  }

  it("fail the run with StepLimitError naming the step limit when it would record one step too many", async () => {
    const id = await startLimited("steps100", { tag: crypto.randomUUID(), n: 100 }, { steps: 40 });
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "StepLimitError", message: expect.stringContaining("recorded 40 steps, the most one run may hold") as string });
    expect(run.stepCount).toBe(40);
  });

  it("fail the run with StepLimitError naming the byte limit once its results outgrow it", async () => {
    const id = await startLimited("big-results", { count: 10, kb: 100 }, { logBytes: 500_000 });
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "StepLimitError", message: expect.stringContaining("over the 500000-byte limit per run") as string });
    // It ended before its task ran.
    expect(run.steps.find((step) => step.key === "next#0")?.status ?? "never recorded").not.toBe("completed");
  });
});
