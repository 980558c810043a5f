// The HTTP API's contract: routes, status codes, error codes, and that a rejected
// request changes nothing.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../worker.ts";
import { api, getRun, startRun, waitForRun, megabytes } from "./helpers.ts";
import type { RunPage } from "baton-workflows/client";

interface ErrorBody {
  error: { code: string; message: string };
}

async function expectError(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error.message;
}

async function listAll(query = ""): Promise<RunPage> {
  const response = await api(`/api/runs${query}`);
  expect(response.status).toBe(200);
  return response.json();
}

describe("auth", () => {
  it("refuses a request without a token (401)", async () => {
    await expectError(await api("/api/workflows", { headers: { Authorization: "" } }), 401, "unauthorized");
  });

  it("refuses a wrong token and a header that is not a bearer token (401)", async () => {
    await expectError(await api("/api/workflows", { headers: { Authorization: "Bearer nope" } }), 401, "unauthorized");
    await expectError(await api("/api/workflows", { headers: { Authorization: "Basic dGVzdA==" } }), 401, "unauthorized");
  });

  it("refuses everything when no token is configured, never open by default", async () => {
    const request = new Request("https://baton.test/api/workflows", { headers: { Authorization: "Bearer " } });
    const response = await worker.fetch(request, { ...env, BATON_API_TOKEN: "" }, createExecutionContext());
    const message = await expectError(response, 401, "unauthorized");
    expect(message).toContain("BATON_API_TOKEN");
  });
});

describe("POST /api/runs", () => {
  it("starts a run: 201 with its summary", async () => {
    const response = await api("/api/runs", { method: "POST", json: { workflow: "counted", input: { tag: "x" } } });
    expect(response.status).toBe(201);
    const run = (await response.json()) as { id: string; workflow: string; status: string; createdAt: string };
    expect(run.workflow).toBe("counted");
    // Answered once the body has started and made its first call.
    expect(run.status).toBe("running");
    expect(Date.parse(run.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await getRun(run.id)).input).toEqual({ tag: "x" });
  });

  it("returns the same run (200) for a repeated Idempotency-Key, and 409 if the body differs", async () => {
    const key = `order-${crypto.randomUUID()}`;
    const json = { workflow: "counted", input: { tag: key } };
    const first = await api("/api/runs", { method: "POST", json, headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(201);
    const again = await api("/api/runs", { method: "POST", json, headers: { "Idempotency-Key": key } });
    expect(again.status).toBe(200);
    const firstRun = (await first.json()) as { id: string };
    expect(((await again.json()) as { id: string }).id).toBe(firstRun.id);
    const other = await api("/api/runs", { method: "POST", json: { ...json, input: { tag: "other" } }, headers: { "Idempotency-Key": key } });
    await expectError(other, 409, "idempotency_conflict");
    expect((await getRun(firstRun.id)).input).toEqual({ tag: key });
  });

  it("compares a repeated Idempotency-Key's input as JSON: the same fields in another order are the same input", async () => {
    const key = `order-${crypto.randomUUID()}`;
    const first = await api("/api/runs", { method: "POST", json: { workflow: "counted", input: { tag: key, pause: 0 } }, headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(201);
    const again = await api("/api/runs", { method: "POST", json: { input: { pause: 0, tag: key }, workflow: "counted" }, headers: { "Idempotency-Key": key } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
  });

  it("rejects bad requests with stable codes and starts nothing", async () => {
    const before = (await listAll("?limit=100")).runs.length;
    await expectError(await api("/api/runs", { method: "POST", body: "{not json", headers: { "Content-Type": "application/json" } }), 400, "invalid_json");
    const invalid = await expectError(await api("/api/runs", { method: "POST", json: { input: 1 } }), 400, "invalid_request");
    expect(invalid).toContain("workflow");
    await expectError(await api("/api/runs", { method: "POST", json: { workflow: 42 } }), 400, "invalid_request");
    await expectError(await api("/api/runs", { method: "POST", json: [] }), 400, "invalid_request");
    const missing = await expectError(await api("/api/runs", { method: "POST", json: { workflow: "nope" } }), 404, "workflow_not_found");
    expect(missing).toContain('"nope"');
    // Past the 100 MB a start may carry with the BATON_PAYLOADS bucket (1 MiB without: no-payloads.test.ts).
    await expectError(await api("/api/runs", { method: "POST", body: megabytes(101), headers: { "Content-Type": "application/json" } }), 413, "payload_too_large");
    await expectError(
      await api("/api/runs", { method: "POST", json: { workflow: "counted" }, headers: { "Idempotency-Key": "has space" } }),
      400,
      "invalid_request",
    );
    expect((await listAll("?limit=100")).runs.length).toBe(before);
  });
});

describe("GET /api/runs/:id", () => {
  it("shows the run with its steps", async () => {
    const id = await startRun("counted", { tag: crypto.randomUUID() });
    const run = await waitForRun(id);
    expect(Object.keys(run).sort()).toEqual(["approvals", "bodyQueue", "createdAt", "error", "events", "id", "inbox", "input", "kind", "language", "nextStepsCursor", "output", "parentId", "restartOf", "state", "status", "stepCount", "steps", "updatedAt", "version", "waitingForWorker", "waitingOn", "workerVersion", "workflow"]);
    expect(Object.keys(run.steps[0] ?? {}).sort()).toEqual(["attempts", "endedAt", "error", "key", "kind", "name", "startedAt", "status"]);
  });

  it("answers 404 run_not_found for an unknown or malformed id", async () => {
    await expectError(await api(`/api/runs/${crypto.randomUUID()}`), 404, "run_not_found");
    await expectError(await api("/api/runs/not%20an%20id"), 404, "run_not_found");
  });
});

describe("GET /api/runs", () => {
  it("lists runs newest first, filtered by workflow and status, page by page", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await startRun("sleeper", { tag: crypto.randomUUID(), seconds: 3600 }));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const id of ids) await waitForRun(id, (run) => run.status === "sleeping");
    const page1 = await listAll("?workflow=sleeper&status=sleeping&limit=2");
    expect(page1.runs.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(page1.runs[0]).toMatchObject({ workflow: "sleeper", status: "sleeping" });
    expect(page1.nextCursor).toBeTypeOf("string");
    const page2 = await listAll(`?workflow=sleeper&status=sleeping&limit=2&cursor=${page1.nextCursor}`);
    expect(page2.runs.map((r) => r.id)).toContain(ids[0]);
    const completed = await listAll("?status=completed&limit=100");
    expect(completed.runs.every((r) => r.status === "completed")).toBe(true);
    for (const id of ids) await api(`/api/runs/${id}/cancel`, { method: "POST" });
  });

  it("lists a run as soon as its start is answered, and with the status a read of it showed", async () => {
    const id = await startRun("counted", { tag: crypto.randomUUID() });
    expect((await listAll("?workflow=counted&limit=100")).runs.map((r) => r.id)).toContain(id);
    await waitForRun(id);
    expect((await listAll("?workflow=counted&status=completed&limit=100")).runs.map((r) => r.id)).toContain(id);
  });

  it("filters by several statuses, by parent run and by creation time, combined and paged", async () => {
    const before = new Date(Date.now() - 1).toISOString();
    const tag = crypto.randomUUID();
    const sleeping = await startRun("sleeper", { tag, seconds: 3600 });
    const done = await startRun("counted", { tag });
    await waitForRun(sleeping, (run) => run.status === "sleeping");
    await waitForRun(done);
    const both = await listAll(`?status=sleeping,completed&createdAfter=${before}&limit=100`);
    expect(both.runs.map((r) => r.id)).toEqual(expect.arrayContaining([sleeping, done]));
    expect(both.runs.every((r) => ["sleeping", "completed"].includes(r.status))).toBe(true);
    expect(both.runs.every((r) => r.createdAt >= before)).toBe(true);
    const onlyOld = await listAll(`?createdBefore=${before}&limit=100`);
    expect(onlyOld.runs.map((r) => r.id)).not.toContain(done);
    const parent = await startRun("parent", { tag: crypto.randomUUID(), children: ["ok"] });
    const ended = await waitForRun(parent);
    const childId = ended.steps.find((step) => step.childId)?.childId;
    expect(childId).toBeTypeOf("string");
    const children = await listAll(`?parentId=${parent}`);
    expect(children.runs.map((r) => [r.id, r.parentId])).toEqual([[childId, parent]]);
    await api(`/api/runs/${sleeping}/cancel`, { method: "POST" });
  });

  it("rejects a bad status, limit or cursor with invalid_request", async () => {
    await expectError(await api("/api/runs?status=bogus"), 400, "invalid_request");
    await expectError(await api("/api/runs?status=completed,bogus"), 400, "invalid_request");
    await expectError(await api("/api/runs?createdAfter=yesterday"), 400, "invalid_request");
    await expectError(await api("/api/runs?parentId=../x"), 400, "invalid_request");
    await expectError(await api("/api/runs?state=failed"), 400, "invalid_request");
    await expectError(await api("/api/runs?limit=0"), 400, "invalid_request");
    await expectError(await api("/api/runs?limit=1000"), 400, "invalid_request");
    await expectError(await api("/api/runs?cursor=garbage!"), 400, "invalid_request");
  });
});

describe("other routes", () => {
  it("lists the registered workflows, nested paths included", async () => {
    const response = await api("/api/workflows");
    expect(response.status).toBe(200);
    const { workflows } = (await response.json()) as { workflows: { name: string }[] };
    expect(workflows.map((w) => w.name)).toEqual(expect.arrayContaining(["counted", "fetch-all", "nested/hello"]));
  });

  it("answers a known path asked with the wrong method with 405 and Allow", async () => {
    const del = await api("/api/runs", { method: "DELETE" });
    await expectError(del, 405, "method_not_allowed");
    expect(del.headers.get("allow")).toBe("GET, HEAD, POST");
    const id = await startRun("counted", { tag: crypto.randomUUID() });
    const get = await api(`/api/runs/${id}/cancel`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const approval = await api(`/api/runs/${id}/approvals/${encodeURIComponent("approval#0")}`, { method: "PUT" });
    expect(approval.headers.get("allow")).toBe("POST");
    await expectError(await api("/api/nothing-here"), 404, "not_found");
  });

  it("refuses an oversized approval decision with 413 before deciding anything", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "waiting");
    const big = await api(`/api/runs/${id}/approvals/${encodeURIComponent("approval#0")}`, { method: "POST", json: { approved: true, comment: "x".repeat(200_000) } });
    await expectError(big, 413, "payload_too_large");
    expect((await getRun(id)).status).toBe("waiting");
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
  });

  it("runs a workflow registered under a nested path", async () => {
    const run = await waitForRun(await startRun("nested/hello", { name: "Ada" }));
    expect(run).toMatchObject({ workflow: "nested/hello", status: "completed", output: "hello, Ada" });
  });

  it("answers unknown routes with a JSON 404", async () => {
    await expectError(await api("/api/nothing-here"), 404, "not_found");
  });
});
