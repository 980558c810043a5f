// Python workflows end to end: the Worker under `wrangler dev`, a Python worker
// installed from the wheel and run as the README says, and the examples in
// python/examples/: the seed example, a body's uuid4() across a sleep and a kill -9 of
// the worker, a task whose worker is killed mid-attempt, an approval, TypeScript and
// Python calling each other, a killed and restarted `wrangler dev`, and a wrong token.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, TOKEN, type DevServer } from "../browser/dev-server.ts";
import { CASES, result } from "../conformance/cases.ts";
import { installWheel, startWorker, type PythonWorker } from "./python-worker.ts";

const WORKER_TOKEN = "python-e2e-worker-token";
const ROOT = join(import.meta.dirname, "../..");
const EXAMPLES = join(ROOT, "python/examples");

let server: DevServer;
let bin: string;
let worker: PythonWorker;
/** The worker serving the Python ports of the conformance cases (python/tests/conformance/), on a queue of its own. */
let conformance: PythonWorker;
let site: Server;
let siteUrl: string;

interface Run {
  id: string;
  status: string;
  output: unknown;
  error: { name: string; message: string } | null;
  waitingForWorker: string | null;
  language: string;
  steps: { key: string; status: string; attempts: number }[];
  approvals: { key: string }[];
}

async function call(path: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: init.json === undefined ? null : JSON.stringify(init.json),
  });
}

async function start(workflow: string, input: unknown): Promise<string> {
  const response = await call("/api/runs", { json: { workflow, input } });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function until(id: string, done: (run: Run) => boolean, timeoutMs = 90_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await call(`/api/runs/${id}`).catch(() => null);
    const run = response?.ok ? ((await response.json()) as Run) : null;
    if (run && done(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} did not get there: ${JSON.stringify(run)}\nworker:\n${worker.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const ended = (run: Run) => ["completed", "failed", "cancelled"].includes(run.status);

beforeAll(async () => {
  bin = installWheel();
  site = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ path: request.url, items: [1, 2, 3] }));
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  const address = site.address();
  siteUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  server = await startDevServer({ worker: { name: "python", workflows: "test/python/workflows", main: "../python/worker.ts" }, vars: { BATON_WORKER_TOKEN: WORKER_TOKEN } });
  worker = startWorker(bin, EXAMPLES, server.url, WORKER_TOKEN);
  conformance = startWorker(bin, join(ROOT, "python/tests"), server.url, WORKER_TOKEN, ["--queue", "conformance"]);
  // Registered: the Worker lists the Python workflows with their language and queue.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { workflows } = (await (await call("/api/workflows")).json()) as { workflows: { name: string; language: string; queue: string | null }[] };
    if (workflows.some((w) => w.name === "seed" && w.language === "python" && w.queue === "python") && workflows.some((w) => w.name === "conformance/body-clock" && w.queue === "conformance")) break;
    if (Date.now() > deadline) throw new Error(`the worker did not register:\n${worker.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 180_000);

afterAll(async () => {
  await conformance?.stop();
  await worker?.stop();
  await server?.stop();
  site?.close();
});

describe("Python workflows under wrangler dev", () => {
  it("shows the seed example in the README as python/examples/seed.py has it", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    expect(readme).toContain(`\`\`\`python\n${readFileSync(join(EXAMPLES, "seed.py"), "utf8")}\`\`\``);
  });

  it("runs the seed example: parallel fetches five at a time, a sleep, a save", async () => {
    const urls = Array.from({ length: 7 }, (_, i) => `${siteUrl}/item/${i}`);
    const id = await start("seed", { urls, pause: 1 });
    const run = await until(id, ended);
    expect(run).toMatchObject({ status: "completed", output: { processed: 7 }, language: "python" });
    expect(run.steps.filter((step) => step.key.startsWith("parallel#0[")).length).toBe(7);
    expect(run.steps.map((step) => step.key)).toEqual(expect.arrayContaining(["sleep#0", "task#0"]));
  });

  it("keeps a body's uuid4() across a sleep and a kill -9 of the worker", async () => {
    const id = await start("uuid_capture", {});
    await until(id, (run) => run.steps.some((step) => step.key === "sleep#0"));
    await worker.kill();
    worker = startWorker(bin, EXAMPLES, server.url, WORKER_TOKEN);
    const run = await until(id, ended);
    const output = run.output as { first: string; second: string; body: string };
    expect(run.status).toBe("completed");
    expect(output.first).toMatch(/^[0-9a-f-]{36}$/);
    expect(output.second).toBe(output.first);
    expect(output.body).toBe(output.first);
  });

  it("finishes a task whose worker was killed mid-attempt, on the restarted worker", { timeout: 150_000 }, async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "baton-marker-")), "attempts.txt");
    const id = await start("slow_task", { marker });
    const deadline = Date.now() + 30_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await worker.kill();
    worker = startWorker(bin, EXAMPLES, server.url, WORKER_TOKEN);
    const run = await until(id, ended, 120_000);
    expect(run).toMatchObject({ status: "completed", output: { result: "slept" } });
    // The killed attempt started once, the retry once more: nothing lost, nothing run twice at once.
    expect(readFileSync(marker, "utf8").trim().split("\n")).toEqual(["slow#0 attempt 1", "slow#0 attempt 2"]);
    expect(run.steps.find((step) => step.key === "slow#0")?.attempts).toBe(2);
  });

  it("stops gracefully on SIGTERM: finishes the task it holds, polls no more, exits 0", { timeout: 90_000 }, async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "baton-marker-")), "attempts.txt");
    const id = await start("slow_task", { marker });
    const deadline = Date.now() + 30_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await worker.stop()).toBe(0);
    // Finished before it exited: one attempt, reported.
    const run = await until(id, ended, 10_000);
    expect(run).toMatchObject({ status: "completed", output: { result: "slept" } });
    expect(readFileSync(marker, "utf8").trim().split("\n")).toEqual(["slow#0 attempt 1"]);
    worker = startWorker(bin, EXAMPLES, server.url, WORKER_TOKEN);
  });

  it("starts nothing while paused, even a Python body whose sleep falls due, and completes after resume", { timeout: 60_000 }, async () => {
    const id = await start("uuid_capture", {});
    await until(id, (run) => run.steps.some((step) => step.key === "sleep#0" && step.status === "sleeping"));
    expect((await call(`/api/runs/${id}/pause`, { method: "POST" })).status).toBe(200);
    // The 2 s sleep falls due while paused: nothing fires, no task starts.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const paused = await until(id, () => true);
    expect(paused.status).toBe("paused");
    expect(paused.steps.map((step) => [step.key, step.status])).toEqual([["first#0", "completed"], ["sleep#0", "sleeping"]]);
    expect((await call(`/api/runs/${id}/resume`, { method: "POST" })).status).toBe(200);
    const run = await until(id, ended);
    expect(run.status).toBe("completed");
    expect((run.output as { first: string; second: string }).second).toBe((run.output as { first: string }).first);
  });

  it("waits for an approval, then goes on with the decision", async () => {
    const id = await start("approval", { message: "Ship it?" });
    const waiting = await until(id, (run) => run.approvals.length === 1);
    const decided = await call(`/api/runs/${id}/approvals/${encodeURIComponent(waiting.approvals[0]?.key ?? "")}`, { json: { approved: true, by: "ada@example.com" } });
    expect(decided.status).toBe(200);
    expect(await until(id, ended)).toMatchObject({ status: "completed", output: { approved: true, by: "ada@example.com" } });
  });

  it("lets a TypeScript workflow await a Python script and a Python child flow, and a Python workflow a TypeScript child flow and script", async () => {
    const ts = await start("ts/calls-python", { x: 20 });
    const flow = await start("ts/calls-python-flow", {});
    const py = await start("calls_ts", { n: 4 });
    expect(await until(ts, ended)).toMatchObject({ status: "completed", output: { total: 41 } });
    expect(await until(flow, ended)).toMatchObject({ status: "completed", output: { agree: true, id: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    expect(await until(py, ended)).toMatchObject({ status: "completed", output: { child: "hello python from TypeScript", doubled: { doubled: 8 } } });
  });

  it("runs a TypeScript task that names a queue on `npx baton worker` in Node", async () => {
    const node = spawn(process.execPath, ["--conditions=baton-source", join(ROOT, "sdk/bin/baton.js"), "worker", "test/python/workflows", "--url", server.url, "--token", WORKER_TOKEN, "--queue", "node"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let printed = "";
    node.stderr.on("data", (d: Buffer) => (printed += d.toString()));
    const exited = new Promise<number | null>((resolve) => node.on("exit", resolve));
    try {
      const id = await start("ts/on-node", { n: 7 });
      const run = await until(id, ended);
      expect(run.status, printed).toBe("completed");
      const output = run.output as { here: string; there: { agent: string; squared: number } };
      expect(output.here).toBe("Cloudflare-Workers");
      expect(output.there).toEqual({ agent: expect.stringMatching(/^Node\.js\//), squared: 49 });
      expect(printed).toContain(`task run=${id} key=there#0 attempt=1`);
    } finally {
      node.kill("SIGTERM");
    }
    // SIGTERM: it stops polling and exits cleanly once its claimed work is done.
    expect(await exited).toBe(0);
  });

  it("goes on after wrangler dev is killed and restarted while a Python run sleeps", { timeout: 150_000 }, async () => {
    const id = await start("uuid_capture", {});
    await until(id, (run) => run.steps.some((step) => step.key === "sleep#0"));
    await server.kill();
    await server.restart();
    const run = await until(id, ended, 120_000);
    expect(run.status).toBe("completed");
    const output = run.output as { first: string; second: string };
    expect(output.second).toBe(output.first);
  });

  it("refuses a wrong worker token with a clear error and exit status 2", async () => {
    const wrong = startWorker(bin, EXAMPLES, server.url, "not-the-token");
    expect(await wrong.exited).toBe(2);
    expect(wrong.log()).toMatch(/BATON_WORKER_TOKEN/);
    expect(wrong.log()).not.toContain("not-the-token");
  });
});

describe("the conformance cases' Python ports on the Worker", () => {
  const ported = CASES.filter((c) => c.python !== null);
  it.each(ported.map((c) => [c.description, c] as const))("%s", { timeout: 60_000 }, async (_description, c) => {
    const id = await start(c.python ?? "", c.input ?? null);
    for (const wait of c.waits) {
      // Cancellation cases have no Python port yet (their `python` is null): never reached.
      if ("cancel" in wait) throw new Error(`${c.description}: a cancel wait has no Python port`);
      const key = "sleep" in wait ? wait.sleep : wait.approve;
      // At rest: nothing but sleeps and approvals open, and this one among them.
      await until(id, (run) => (run.status === "sleeping" || run.status === "waiting") && run.steps.some((step) => step.key === key && (step.status === "sleeping" || step.status === "waiting")), 30_000);
      const answered = "sleep" in wait
        ? await fetch(`${server.url}/__test/runs/${id}/wake/${encodeURIComponent(key)}`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` } })
        : await call(`/api/runs/${id}/approvals/${encodeURIComponent(key)}`, { json: { approved: wait.approved } });
      expect(answered.status).toBe(200);
    }
    const run = await until(id, ended, 30_000);
    expect(result(run)).toEqual(c.expectedPython ?? c.expected);
  });
});
