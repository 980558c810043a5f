// Workers you run (protocol v1), driven by a FAKE worker (test/worker/fake-worker.ts)
// standing in for a Python process: registration and its refusals, a worker's body
// run through activations and commands, its tasks, a TypeScript workflow calling a
// worker's script, a worker's body calling a TypeScript child flow, and answers that
// come twice or too late changing nothing.
import { describe, expect, it } from "vitest";
import { api, getRun, startRun, waitForRun } from "./helpers.ts";
import { baton } from "./cli-runner.ts";
import { Browser } from "./console-browser.ts";
import { complete, pollFor, register, taskCall, workerCall, type Item } from "./fake-worker.ts";

describe("registering", () => {
  it("refuses a wrong token, the API token, and another protocol version, each with what to fix", async () => {
    const wrong = await workerCall("/register", { protocol: 1 }, "nope");
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "unauthorized", message: expect.stringContaining("BATON_WORKER_TOKEN") });
    expect((await workerCall("/register", { protocol: 1 }, "test-token")).status).toBe(401);
    const future = await workerCall("/register", { protocol: 2, anything: true });
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "protocol_mismatch", message: expect.stringContaining("protocol 1") });
    const bad = await workerCall("/register", { protocol: 1, worker: { id: "x" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    // The worker routes are not the API's: the worker token opens nothing else.
    expect((await api("/api/runs", { headers: { Authorization: "Bearer test-worker-token" } })).status).toBe(401);
  });

  it("lists what a worker serves in GET /api/workflows with its language and queue, and the worker in GET /api/workers", async () => {
    await register("w-list", ["py/listed"], ["py/listed-script"], "listing");
    const { workflows } = (await (await api("/api/workflows")).json()) as { workflows: { name: string; kind: string; language: string; queue: string | null }[] };
    expect(workflows.find((w) => w.name === "py/listed")).toMatchObject({ kind: "workflow", language: "python", queue: "listing" });
    expect(workflows.find((w) => w.name === "py/listed-script")).toMatchObject({ kind: "script", language: "python", queue: "listing" });
    expect(workflows.find((w) => w.name === "child")).toMatchObject({ language: "typescript", queue: null });
    const seen = (await (await api("/api/workers")).json()) as { workers: { id: string; queue: string; online: boolean; workflows: number; scripts: number }[]; queues: { queue: string }[] };
    expect(seen.workers.find((w) => w.id === "w-list")).toMatchObject({ queue: "listing", online: true, workflows: 1, scripts: 1 });
    expect(seen.queues.map((q) => q.queue)).toContain("listing");
    // Unknown names still answer 404.
    const missing = await api("/api/runs", { method: "POST", json: { workflow: "py/nobody-serves-this" } });
    expect(missing.status).toBe(404);
  });
});

describe("a body a worker runs", () => {
  it("runs through activations: a task, its outcome in the next activation, and the end", async () => {
    await register("w-body", ["py/body"], [], "body");
    const id = await startRun("py/body", { n: 2 });
    expect(await getRun(id)).toMatchObject({ status: "queued", language: "python", bodyQueue: "body", waitingForWorker: "a worker on queue body" });

    const first = await pollFor(id, "body");
    expect(first).toMatchObject({ kind: "activation", workflow: "py/body", input: { n: 2 }, seed: id, log: [], logCursor: null });
    expect(await getRun(id)).toMatchObject({ status: "running", waitingForWorker: null });
    expect(await complete(first.claim, { commands: [taskCall("task#0", 0)] })).toEqual({ status: 200, body: { accepted: true } });
    // Answered once: the claim is gone.
    expect((await complete(first.claim, { commands: [taskCall("task#0", 0)] })).status).toBe(410);

    const attempt = await pollFor(id, "body");
    expect(attempt).toMatchObject({ kind: "task", key: "task#0", name: "task", attempt: 1, script: null });
    expect(attempt.activation).toMatchObject({ workflow: "py/body" });
    expect(await (await workerCall(`/claims/${attempt.claim}/heartbeat`)).json()).toEqual({ wanted: true });
    expect(await complete(attempt.claim, { outcome: { ok: true, value: 4 }, logs: [{ level: "info", message: "doubled", at: Date.now() }] })).toEqual({ status: 200, body: { accepted: true } });

    const second = await pollFor(id, "body");
    expect(second.kind).toBe("activation");
    expect(second.log).toEqual([expect.objectContaining({ key: "task#0", kind: "task", status: "completed", result: 4, delivery: 1 })]);
    // A call already recorded changes nothing; a new one goes on.
    expect(await complete(second.claim, { commands: [taskCall("task#0", 0), taskCall("task#1", 1)] })).toEqual({ status: 200, body: { accepted: true } });
    const again = await pollFor(id, "body");
    expect(again).toMatchObject({ kind: "task", key: "task#1" });
    await complete(again.claim, { outcome: { ok: true, value: 5 } });

    // A worker that keeps the run gets only what changed after the cursor it holds.
    const third = await pollFor(id, "body", "w1", { [id]: second.cursor ?? "" });
    expect(third).toMatchObject({ kind: "activation", since: second.cursor });
    expect(third.log).toEqual([expect.objectContaining({ key: "task#1", status: "completed", result: 5, delivery: 2 })]);
    // A cursor this run never gave out is refused, not read as another position.
    const foreign = await workerCall(`/claims/${third.claim}/log?cursor=${encodeURIComponent("other-run:1")}`, undefined, undefined, "GET");
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    expect(await complete(third.claim, { commands: [{ kind: "complete", output: { processed: 9 } }] })).toEqual({ status: 200, body: { accepted: true } });
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: { processed: 9 } });
    // What the task printed is on its step, as a TypeScript task's is.
    const step = (await (await api(`/api/runs/${id}/steps/task%230`)).json()) as { logs: { message: string }[] };
    expect(step.logs.map((line) => line.message)).toEqual(["doubled"]);
    expect(run.steps.map((step) => [step.key, step.status, step.attempts])).toEqual([["task#0", "completed", 1], ["task#1", "completed", 1]]);
  });

  it("records an inline step's outcome and a failure the body throws", async () => {
    await register("w-step", ["py/stepper"], [], "stepper");
    const id = await startRun("py/stepper");
    const first = await pollFor(id, "stepper");
    const options = { retries: { limit: 0, delay: 1, backoff: "constant" }, timeout: 60 };
    const step = { kind: "call", call: { key: "step#0", branch: "", seq: 0, kind: "step", name: "step", attempt: 1, options } };
    expect((await complete(first.claim, { commands: [step, { kind: "step_result", key: "step#0", attempt: 1, outcome: { ok: true, value: "inline" } }] })).body).toEqual({ accepted: true });
    const second = await pollFor(id, "stepper");
    expect(second.log).toEqual([expect.objectContaining({ key: "step#0", status: "completed", result: "inline" })]);
    const error = { name: "ValueError", message: "no good", fields: { row: 3 }, cause: { name: "KeyError", message: "'x'" } };
    expect((await complete(second.claim, { commands: [{ kind: "fail", error }] })).body).toEqual({ accepted: true });
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject(error);
  });

  it("starts a TypeScript child flow the body asks for and hands its end to the next activation", async () => {
    await register("w-parent", ["py/parent"], [], "parent");
    const id = await startRun("py/parent");
    const first = await pollFor(id, "parent");
    const flow = { kind: "call", call: { key: "child#0", branch: "", seq: 0, kind: "flow", name: "child", attempt: 1, flow: { path: "child", input: { tag: `py-${id}`, name: "ts", mode: "ok" } } } };
    expect((await complete(first.claim, { commands: [flow] })).body).toEqual({ accepted: true });
    let next: Item;
    do next = await pollFor(id, "parent");
    while (!next.log?.some((entry) => entry.key === "child#0" && entry.status === "completed") && (await complete(next.claim, { commands: [] }), true));
    expect(next.log?.find((entry) => entry.key === "child#0")?.result).toBe("ts done");
    await complete(next.claim, { commands: [{ kind: "complete", output: "parent done" }] });
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: "parent done" });
  });

  it("tells a worker holding a cancelled run's task it is no longer wanted, and refuses its late answer", async () => {
    await register("w-cancel", ["py/cancelled"], [], "cancelling");
    const id = await startRun("py/cancelled");
    const first = await pollFor(id, "cancelling");
    await complete(first.claim, { commands: [taskCall("task#0", 0)] });
    const attempt = await pollFor(id, "cancelling");
    expect((await api(`/api/runs/${id}/cancel`, { method: "POST" })).status).toBe(200);
    expect(await (await workerCall(`/claims/${attempt.claim}/heartbeat`)).json()).toEqual({ wanted: false });
    expect((await complete(attempt.claim, { outcome: { ok: true, value: 1 } })).status).toBe(410);
    expect((await getRun(id)).status).toBe("cancelled");
  });

  it("refuses a claim it never handed out, and a malformed answer", async () => {
    expect((await workerCall("/claims/not-a-claim/heartbeat")).status).toBe(410);
    await register("w-bad", ["py/bad"], [], "bad");
    const id = await startRun("py/bad");
    const first = await pollFor(id, "bad");
    const malformed = await complete(first.claim, { commands: [{ kind: "call", call: { key: "task#0" } }] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe("invalid_request");
    // Nothing changed: the claim still holds, and a right answer goes through.
    expect((await complete(first.claim, { commands: [{ kind: "complete", output: 1 }] })).body).toEqual({ accepted: true });
    expect((await waitForRun(id)).output).toBe(1);
  });
});

describe("a TypeScript workflow and a worker's script", () => {
  it("sends taskScript of a worker's script to its queue and goes on with the result", async () => {
    await register("w-score", [], ["py/score"], "python");
    const id = await startRun("mixed/calls-python", { x: 20 });
    expect(await waitForRun(id, (run) => run.steps.length === 1)).toMatchObject({ language: "typescript", bodyQueue: null, waitingForWorker: "a worker on queue python" });
    const attempt = await pollFor(id, "python");
    expect(attempt).toMatchObject({ kind: "task", key: "py%2Fscore#0", attempt: 1, script: { path: "py/score", args: { x: 20 } }, activation: null });
    expect((await complete(attempt.claim, { outcome: { ok: true, value: { score: 40 } } })).body).toEqual({ accepted: true });
    expect(await waitForRun(id)).toMatchObject({ status: "completed", output: { total: 41 } });
  });
});

describe("the console", () => {
  it("shows the workers, their queues, where a workflow runs and what a run waits for", async () => {
    await register("w-console-1234", ["py/console"], ["py/console-script"], "console");
    // Signed out, the page is not shown.
    expect((await new Browser().get("/workers")).status).toBe(401);
    const browser = await Browser.signedIn();
    const workers = await (await browser.get("/workers")).text();
    expect(workers).toContain("w-consol");
    expect(workers).toContain("<code>console</code>");
    expect(workers).toContain("1 workflows, 1 scripts");
    const workflows = await (await browser.get("/workflows")).text();
    expect(workflows).toMatch(/workflow · python\s*on queue <code>console<\/code>/);
    const id = await startRun("py/console");
    const page = await (await browser.get(`/runs/${id}`)).text();
    expect(page).toContain("a worker on queue console");
    expect(page).toMatch(/python on queue <code>console<\/code>/);
  });
});

describe("the CLI", () => {
  it("lists workflows with their language and queue, the workers, and says what a run waits for", async () => {
    await register("w-cli-5678", ["py/cli"], [], "cli");
    const workflows = await baton(["workflows"]);
    expect(workflows.code).toBe(0);
    expect(workflows.out.join("\n")).toMatch(/^py\/cli {2}workflow {2}python on queue cli {2}v-py\/cli$/m);
    expect(workflows.out.join("\n")).toMatch(/^child {2}workflow {2}typescript {2}\S+$/m);
    const workers = await baton(["workers"]);
    expect(workers.out.join("\n")).toMatch(/^w-cli-5678 {2}online {3}queue cli {2}python \(fake 0\.0\.0\) {2}test {2}last seen /m);
    const id = await startRun("py/cli");
    const shown = await baton(["get", id]);
    expect(shown.out.join("\n")).toContain(`${id}  py/cli  queued  (python on queue cli)`);
    expect(shown.out.join("\n")).toContain("waiting for a worker on queue cli");
  });
});
