// Deeply nested JSON: refused where it enters with the limit named, never a 500, a
// stack overflow or a retried attempt.
import { describe, expect, it } from "vitest";
import type { RunPage } from "baton-workflows/client";
import { MAX_JSON_DEPTH } from "baton-workflows/engine";
import { api, startRun, waitForRun } from "./helpers.ts";

const deepText = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

describe("nesting deeper than the limit", () => {
  it("is refused at the API with 400 invalid_json naming the limit, and starts nothing", async () => {
    const tag = crypto.randomUUID();
    const before = ((await (await api("/api/runs?workflow=counted&limit=100")).json()) as RunPage).runs.length;
    for (const depth of [MAX_JSON_DEPTH + 1, 2_000, 100_000]) {
      const response = await api("/api/runs", { method: "POST", body: `{"workflow":"counted","input":{"tag":"${tag}","deep":${deepText(depth)}}}`, headers: { "Content-Type": "application/json" } });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { code: "invalid_json", message: expect.stringContaining(`more than ${MAX_JSON_DEPTH} deep`) as string } });
    }
    expect(((await (await api("/api/runs?workflow=counted&limit=100")).json()) as RunPage).runs.length).toBe(before);

    const waiting = await startRun("events", { pause: 3600 });
    const event = await api(`/api/runs/${waiting}/events/ping`, { method: "POST", body: `{"payload":${deepText(2_000)}}`, headers: { "Content-Type": "application/json" } });
    expect(event.status).toBe(400);
    expect(((await (await api(`/api/runs/${waiting}`)).json()) as { events: unknown[] }).events).toEqual([]);
    await api(`/api/runs/${waiting}/cancel`, { method: "POST" });
    // At the limit is fine.
    const ok = await api("/api/runs", { method: "POST", body: `{"workflow":"counted","input":{"tag":"${tag}","deep":${deepText(MAX_JSON_DEPTH - 3)}}}`, headers: { "Content-Type": "application/json" } });
    expect(ok.status).toBe(201);
  });

  it.each([
    ["a step", "step", 10_000],
    ["a task", "task", 3_000],
  ])("returned by %s fails it at once with SerializationError naming the limit, not retried", async (_, kind, depth) => {
    const id = await startRun("deep", { in: kind, depth });
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "SerializationError", message: expect.stringContaining(`more than ${MAX_JSON_DEPTH} deep`) as string });
    expect(run.steps[0]).toMatchObject({ key: "deep#0", status: "failed", attempts: 1 });
  });
});
