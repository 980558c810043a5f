// Composition in the real engine: scripts run by path (from a workflow and over the
// API), module scripts, child flows in parallel, a child's failure caught by its
// parent, and a parent replayed after eviction while its child runs.
import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { starts } from "../workflows/pipeline.ts";
import { api, getRun, hits, runStub, startRun, waitForRun, type RunBody } from "./helpers.ts";

async function expectError(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  return body.error.message;
}

/** Waits for a child run: it exists once its parent's start signal got through, which may take a moment. */
async function waitForChild(id: string, done: (run: RunBody) => boolean): Promise<RunBody> {
  for (let i = 0; i < 200 && (await api(`/api/runs/${id}`)).status === 404; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return waitForRun(id, done);
}

const flowSteps = (run: RunBody) => run.steps.filter((step) => step.kind === "flow");

describe("scripts", () => {
  it("a workflow runs a script and a module script as tasks, without the consumer replaying it", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("pipeline", { tag, rows: [3, -1, 4] }));
    expect(run).toMatchObject({ status: "completed", output: { rows: [30, 40], doubledCount: 4 } });
    expect(run.steps.map((step) => [step.key, step.kind, step.script])).toEqual([
      ["pipeline__mod%2Fextract#0", "task", "pipeline__mod/extract"],
      ["scripts%2Fdouble#0", "task", "scripts/double"],
    ]);
    expect(await hits(`${tag}:extract`)).toBe(1);
    expect(await hits(`${tag}:double:2`)).toBe(1);
    // Only the run object ran the body: a task would have made a consumer replay it.
    expect(starts.get(tag)).toBe(1);
  });

  it("POST /api/scripts/<path>/runs runs a script as a one-task run", async () => {
    const tag = crypto.randomUUID();
    const response = await api("/api/scripts/scripts/double/runs", { method: "POST", json: { args: { n: 21, tag } } });
    expect(response.status).toBe(201);
    const started = (await response.json()) as { id: string; kind: string; workflow: string };
    expect(started).toMatchObject({ kind: "script", workflow: "scripts/double" });
    const run = await waitForRun(started.id);
    expect(run).toMatchObject({ status: "completed", output: 42, input: { n: 21, tag }, kind: "script" });
    expect(run.steps).toHaveLength(1);
    expect(await hits(`${tag}:double:21`)).toBe(1);
  });

  it("a script run fails with the script's error, using the script's own retry options", async () => {
    const response = await api("/api/scripts/scripts/double/runs", { method: "POST", json: { args: { n: "no" } } });
    const run = await waitForRun(((await response.json()) as { id: string }).id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "FatalError", message: "double needs {n: number}" });
    expect(run.steps[0]?.attempts).toBe(1);
  });

  it("module scripts run by path over the API too, with an Idempotency-Key", async () => {
    const tag = crypto.randomUUID();
    const send = () =>
      api("/api/scripts/pipeline__mod/extract/runs", { method: "POST", headers: { "Idempotency-Key": `extract-${tag}` }, json: { args: { tag, rows: [1, 2] } } });
    const first = await send();
    expect(first.status).toBe(201);
    const again = await send();
    expect(again.status).toBe(200);
    const id = ((await first.json()) as { id: string }).id;
    expect(((await again.json()) as { id: string }).id).toBe(id);
    expect((await waitForRun(id)).output).toEqual([10, 20]);
  });

  it("refuses unknown scripts, workflows on the scripts route and scripts on the runs route", async () => {
    await expectError(await api("/api/scripts/nope/runs", { method: "POST", json: {} }), 404, "script_not_found");
    expect(await expectError(await api("/api/scripts/counted/runs", { method: "POST", json: {} }), 404, "script_not_found")).toMatch(/is a workflow/);
    expect(await expectError(await api("/api/scripts/pipeline__mod/shape/runs", { method: "POST", json: {} }), 404, "script_not_found")).toMatch(/no script/);
    expect(await expectError(await api("/api/runs", { method: "POST", json: { workflow: "scripts/double", input: { n: 1 } } }), 404, "workflow_not_found")).toMatch(
      /POST \/api\/scripts\/scripts\/double\/runs/,
    );
    await expectError(await api("/api/scripts/scripts/double/runs", { method: "POST", body: "{", headers: { "Content-Type": "application/json" } }), 400, "invalid_json");
    expect(await expectError(await api("/api/scripts/scripts/double/runs", { method: "POST", json: { input: { n: 1 } } }), 400, "invalid_request")).toMatch(/input/);
  });

  it("a workflow calling a script that does not exist fails with script_not_found, naming the path", async () => {
    const response = await api("/api/runs", { method: "POST", json: { workflow: "missing-script", input: null } });
    const run = await waitForRun(((await response.json()) as { id: string }).id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "ScriptNotFoundError", code: "script_not_found" });
    expect(run.error?.message).toContain("workflows/reports/none.ts");
  });

  it("a script's cached result is reused for the same args, and not for other args", async () => {
    const tag = crypto.randomUUID();
    const first = await waitForRun(await startRun("cached-script", { n: 5, tag }));
    const second = await waitForRun(await startRun("cached-script", { n: 5, tag }));
    const other = await waitForRun(await startRun("cached-script", { n: 6, tag }));
    expect([first.output, second.output, other.output]).toEqual([10, 10, 12]);
    expect(second.steps[0]?.cached).toBe(true);
    expect(other.steps[0]?.cached).toBeUndefined();
    expect(await hits(`${tag}:double:5`)).toBe(1);
    expect(await hits(`${tag}:double:6`)).toBe(1);
  });

  it("GET /api/workflows lists workflows and scripts with their kind and version; helper modules are not listed", async () => {
    const { workflows } = (await (await api("/api/workflows")).json()) as { workflows: { name: string; kind: string; version: string }[] };
    const byName = new Map(workflows.map((w) => [w.name, w]));
    expect(byName.get("pipeline")).toMatchObject({ kind: "workflow", version: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(byName.get("scripts/double")).toMatchObject({ kind: "script" });
    expect(byName.get("pipeline__mod/extract")).toMatchObject({ kind: "script" });
    expect(byName.has("pipeline__mod/shape")).toBe(false);
  });

  it("a run records the version of the code that started it", async () => {
    const { workflows } = (await (await api("/api/workflows")).json()) as { workflows: { name: string; version: string }[] };
    const run = await waitForRun(await startRun("pipeline", { tag: crypto.randomUUID(), rows: [1] }));
    expect(run).toMatchObject({ version: workflows.find((w) => w.name === "pipeline")?.version });
  });
});

describe("child flows", () => {
  it("a parent awaits two children in parallel; parent and children link to each other", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("parent", { tag, children: ["ok", "ok"] });
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: { results: ["c0 done", "c1 done"], summary: 2 }, parentId: null });
    const flows = flowSteps(run);
    expect(flows.map((step) => [step.name, step.status])).toEqual([
      ["child", "completed"],
      ["child", "completed"],
    ]);
    for (const step of flows) {
      const child = await getRun(step.childId ?? "");
      expect(child).toMatchObject({ workflow: "child", status: "completed", parentId: id });
    }
    expect(await hits(`${tag}:child:c0`)).toBe(1);
    expect(await hits(`${tag}:child:c1`)).toBe(1);
  });

  it("repeated or forged news of a child changes nothing, and a repeated start reaches the same child", async () => {
    const id = await startRun("parent", { tag: crypto.randomUUID(), children: ["ok"] });
    const run = await waitForRun(id);
    const step = flowSteps(run)[0];
    const childId = step?.childId ?? "";
    // The parent already settled the step: a duplicate (or contradicting) report is ignored.
    await runStub(id).childEnded(step?.key ?? "", childId, { status: "failed", error: { name: "Error", message: "late" } });
    await runStub(id).childEnded(step?.key ?? "", crypto.randomUUID(), { status: "completed", output: "forged" });
    expect(await getRun(id)).toMatchObject({ status: "completed", output: run.output });
    const again = await runStub(childId).start({ id: childId, workflow: "child", input: { tag: "x", name: "c0", mode: "ok" }, idempotencyKey: null, origin: null, parent: { id, key: step?.key ?? "" } });
    expect(again.created).toBe(false);
    expect((await getRun(childId)).status).toBe("completed");
  });

  it("a child whose parent cannot be reached when it ends tells it on a later try (fake: the parent's RPC fails once)", async () => {
    const id = await startRun("parent", { tag: crypto.randomUUID(), children: ["approval"] });
    const waiting = await waitForRun(id, (run) => flowSteps(run).some((step) => step.childId));
    const childId = flowSteps(waiting)[0]?.childId ?? "";
    await waitForChild(childId, (child) => child.status === "waiting");
    // The child's first try to tell its parent fails (the child's test control injects it).
    await runStub(childId).control().failSignalsTo(id, 1);
    expect((await api(`/api/runs/${childId}/approvals/go%230`, { method: "POST", json: { approved: true } })).status).toBe(200);
    await waitForRun(childId);
    // Not told yet: the parent still waits on its child, and says so.
    expect(await getRun(id)).toMatchObject({ status: "waiting", waitingOn: [{ kind: "child", runId: childId, workflow: "child", expiresAt: null }] });
    // The retry's back-off (5 s on the child's alarm) passes now.
    await runStub(childId).control().signalsDueNow();
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: { results: ["c0 done"], summary: 1 } });
  });

  it("a child's failure is an error the parent can catch", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("parent", { tag, children: ["fail", "ok"], catch: true }));
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({
      results: [{ caught: "FatalError", code: "fatal", message: "child c0 refused" }, "c1 done"],
      summary: 2,
    });
    const failed = await getRun(flowSteps(run)[0]?.childId ?? "");
    expect(failed.status).toBe("failed");
  });

  it("an uncaught child failure fails the parent with the child's error", async () => {
    const run = await waitForRun(await startRun("parent", { tag: crypto.randomUUID(), children: ["fail"] }));
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "FatalError", message: "child c0 refused" });
  });

  it("a cancelled child fails the parent's taskFlow with a CancelledError it may catch", async () => {
    const id = await startRun("parent", { tag: crypto.randomUUID(), children: ["sleep"], catch: true });
    const waiting = await waitForRun(id, (run) => flowSteps(run).some((step) => step.childId));
    const childId = flowSteps(waiting)[0]?.childId ?? "";
    await waitForChild(childId, (child) => child.status === "sleeping");
    expect((await api(`/api/runs/${childId}/cancel`, { method: "POST" })).status).toBe(200);
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ results: [{ caught: "CancelledError", code: "cancelled" }] });
  });

  it("a child running past taskFlow's timeout is cancelled and the parent gets a TaskTimeoutError", async () => {
    const id = await startRun("parent", { tag: crypto.randomUUID(), children: ["sleep"], catch: true, timeout: 0.5 });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ results: [{ caught: "TaskTimeoutError", code: "task_timeout" }] });
    const child = await waitForChild(flowSteps(run)[0]?.childId ?? "", (r) => r.status === "cancelled");
    expect(child.parentId).toBe(id);
  });

  it("cancelling a parent cancels its sleeping child", async () => {
    const id = await startRun("parent", { tag: crypto.randomUUID(), children: ["sleep", "sleep"] });
    const waiting = await waitForRun(id, (run) => flowSteps(run).filter((step) => step.childId).length === 2);
    const children = flowSteps(waiting).map((step) => step.childId ?? "");
    for (const child of children) await waitForChild(child, (run) => run.status === "sleeping");
    // Waiting only for its children, the parent holds no alarm: they will tell it.
    expect(await runDurableObjectAlarm(runStub(id))).toBe(false);
    expect((await api(`/api/runs/${id}/cancel`, { method: "POST" })).status).toBe(200);
    for (const child of children) {
      const run = await waitForRun(child);
      expect(run.status).toBe("cancelled");
      expect(run.steps.find((step) => step.key === "long#0")?.status).toBe("cancelled");
    }
    expect((await getRun(id)).status).toBe("cancelled");
  });

  it("a parent replayed after eviction while its child runs starts no second child", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("parent", { tag, children: ["approval"] });
    const waiting = await waitForRun(id, (run) => flowSteps(run).some((step) => step.childId));
    const childId = flowSteps(waiting)[0]?.childId ?? "";
    await waitForChild(childId, (child) => child.status === "waiting");
    await abortAllDurableObjects();
    // Reading the parent wakes it: it replays its log and finds the flow step already recorded.
    expect((await getRun(id)).status).toBe("waiting");
    // A parent waiting on its child is listed as waiting.
    const waitingList = (await (await api("/api/runs?status=waiting&workflow=parent&limit=100")).json()) as { runs: { id: string }[] };
    expect(waitingList.runs.map((run) => run.id)).toContain(id);
    // News from a run that is not this step's child is ignored.
    await runStub(id).childEnded(flowSteps(waiting)[0]?.key ?? "", crypto.randomUUID(), { status: "completed", output: "forged" });
    expect(await getRun(id)).toMatchObject({ status: "waiting", waitingOn: [{ kind: "child", runId: childId }] });
    const decided = await api(`/api/runs/${childId}/approvals/go%230`, { method: "POST", json: { approved: true } });
    expect(decided.status).toBe(200);
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: { results: ["c0 done"], summary: 1 } });
    expect(flowSteps(run).map((step) => step.childId)).toEqual([childId]);
    expect(await hits(`${tag}:child:c0`)).toBe(1);
    const listed = (await (await api("/api/runs?workflow=child&limit=100")).json()) as { runs: { id: string; parentId: string | null }[] };
    expect(listed.runs.filter((r) => r.parentId === id).map((r) => r.id)).toEqual([childId]);
  });
});
