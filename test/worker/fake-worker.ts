// A FAKE worker you run, speaking protocol v1 over the Worker's HTTP API from inside
// the test: it stands in for a Python worker process (which cannot run in workerd), so
// the tests script exactly what a worker sends and check what the Worker answers.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";

export const WORKER_TOKEN = "test-worker-token";

/** An item a poll handed out. */
export interface Item {
  kind: "activation" | "task";
  claim: string;
  runId: string;
  workflow?: string;
  input?: unknown;
  seed?: string;
  startedAt?: number;
  log?: { key: string; kind: string; status: string; result?: unknown; delivery?: number }[];
  since?: string;
  cursor?: string;
  key?: string;
  name?: string;
  attempt?: number;
  script?: { path: string; args: unknown } | null;
  activation?: { workflow: string; log: unknown[] } | null;
}

/** Calls a worker route with the worker token (or the one given). */
export function workerCall(path: string, body?: unknown, token = WORKER_TOKEN, method = "POST"): Promise<Response> {
  const headers = new Headers({ Authorization: `Bearer ${token}` });
  if (body !== undefined) headers.set("Content-Type", "application/json");
  return SELF.fetch(`https://baton.test/api/worker/v1${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
}

/** Registers a fake Python worker serving these workflows and scripts. */
export async function register(id: string, workflows: string[], scripts: string[] = [], queue = "python"): Promise<void> {
  const response = await workerCall("/register", {
    protocol: 1,
    worker: { id, language: "python", sdk: "fake 0.0.0", queue, host: "test" },
    workflows: workflows.map((name) => ({ name, version: `v-${name}` })),
    scripts: scripts.map((name) => ({ name, version: `v-${name}` })),
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ protocol: 1, leaseSeconds: 30, pollSeconds: 25 });
}

/** Polls until an item for `runId` comes (others are left to lapse), failing after a while. */
export async function pollFor(runId: string, queue = "python", worker = "w1", known?: Record<string, string>): Promise<Item> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const response = await workerCall(`/queues/${queue}/poll`, { worker, max: 1, ...(known ? { known } : {}) });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Item[] };
    const item = items.find((candidate) => candidate.runId === runId);
    if (item) return item;
  }
  throw new Error(`no item for run ${runId} on queue ${queue}`);
}

/** Answers a claim; returns the HTTP status and body. */
export async function complete(claim: string, answer: unknown): Promise<{ status: number; body: { accepted?: boolean; error?: { code: string } } }> {
  const response = await workerCall(`/claims/${claim}/complete`, answer);
  return { status: response.status, body: (await response.json()) as { accepted?: boolean; error?: { code: string } } };
}

/** A task call as a Python body records it (default options). */
export function taskCall(key: string, seq: number, name = "task") {
  return { kind: "call", call: { key, branch: "", seq, kind: "task", name, attempt: 1, options: { retries: { limit: 5, delay: 1, backoff: "exponential" }, timeout: 600 } } };
}
