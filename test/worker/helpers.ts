// Shared test helpers: call the API as a client would, and wait for a run to reach a state.
import { SELF, env } from "cloudflare:test";
import { expect } from "vitest";
import type { RunDetail, RunPage } from "baton-workflows/client";
import { isTerminal } from "baton-workflows/engine";

export const TOKEN = "test-token";

/** Calls the Worker's API with the test token. */
export function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("Authorization")) headers.set("Authorization", `Bearer ${TOKEN}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  return SELF.fetch(`https://baton.test${path}`, { ...init, headers, body: body ?? null });
}

/** A run as GET /api/runs/:id returns it: the package's own type. */
export type RunBody = RunDetail;

/** Starts a run and returns its id. */
export async function startRun(workflow: string, input?: unknown): Promise<string> {
  const response = await api("/api/runs", { method: "POST", json: { workflow, input } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** Reads a run. */
export async function getRun(id: string): Promise<RunBody> {
  const response = await api(`/api/runs/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as RunBody;
}

/** Polls the run until `done` holds, failing with the last state after `timeoutMs`. */
export async function waitForRun(id: string, done: (run: RunBody) => boolean = isEnded, timeoutMs = 15_000): Promise<RunBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(id);
    if (done(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} did not reach the expected state; last: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True once a run has ended. */
export function isEnded(run: RunBody): boolean {
  return isTerminal(run.status);
}

/** How often the Probe saw `name`. */
export function hits(name: string): Promise<number> {
  return env.PROBE.get(env.PROBE.idFromName("probe")).count(name);
}

/** The run object's stub. */
export function runStub(id: string) {
  return env.RUNS.get(env.RUNS.idFromName(id));
}

/** A request body of `n` MB of spaces, streamed a megabyte at a time (no Content-Length): past a body limit without holding it all. */
export function megabytes(n: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(1_000_000).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ < n) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

/** Waits `ms` of real time. */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every run of `workflow` the list has (optionally with this status), paged to the end: ids as often as the list holds them. */
export async function listed(workflow: string, status?: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ workflow, limit: "100" });
    if (status) query.set("status", status);
    if (cursor) query.set("cursor", cursor);
    const page = (await (await api(`/api/runs?${query.toString()}`)).json()) as RunPage;
    ids.push(...page.runs.map((run) => run.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}
