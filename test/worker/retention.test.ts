// Deleting runs (DELETE /api/runs/:id) and retention: an ended run's object deletes
// itself BATON_RETENTION_DAYS after it ended; cache entries go when their TTL passes;
// an idle concurrency limiter holds no rows.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RunPage } from "baton-workflows/client";
import { cacheIdentity } from "../../src/tasks/task-cache.ts";
import { api, getRun, runStub, startRun, waitForRun } from "./helpers.ts";

async function listed(id: string): Promise<boolean> {
  const page = (await (await api("/api/runs?limit=100")).json()) as RunPage;
  return page.runs.some((run) => run.id === id);
}

describe("deleting runs", () => {
  it("refuses an active run (409), deletes an ended one from reads and the list (204), then knows it no more (404)", async () => {
    const id = await startRun("sleeper", { tag: crypto.randomUUID(), seconds: 3600 });
    await waitForRun(id, (run) => run.status === "sleeping");
    const active = await api(`/api/runs/${id}`, { method: "DELETE" });
    expect(active.status).toBe(409);
    expect(await active.json()).toMatchObject({ error: { code: "run_not_active" } });
    expect(await listed(id)).toBe(true);
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
    const deleted = await api(`/api/runs/${id}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect((await api(`/api/runs/${id}`)).status).toBe(404);
    expect((await api(`/api/runs/${id}/steps/${encodeURIComponent("sleep#0")}`)).status).toBe(404);
    expect(await listed(id)).toBe(false);
    expect((await api(`/api/runs/${id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("lets a run whose storage was deleted be started again under the same Idempotency-Key, and lists it", async () => {
    const key = `again-${crypto.randomUUID()}`;
    const start = () => api("/api/runs", { method: "POST", json: { workflow: "counted", input: { tag: key } }, headers: { "Idempotency-Key": key } });
    const first = (await (await start()).json()) as { id: string };
    await waitForRun(first.id);
    expect((await api(`/api/runs/${first.id}`, { method: "DELETE" })).status).toBe(204);
    const second = await start();
    expect(second.status).toBe(201);
    const again = (await second.json()) as { id: string };
    expect(again.id).toBe(first.id);
    expect((await waitForRun(again.id)).status).toBe("completed");
    expect(await listed(again.id)).toBe(true);
  });
});

describe("retention", () => {
  it("deletes an ended run, its steps and its list entry once its retention has passed, and not before", async () => {
    const id = await startRun("counted", { tag: crypto.randomUUID() });
    await waitForRun(id);
    // The alarm that comes before the retention ends changes nothing.
    await runDurableObjectAlarm(runStub(id));
    expect((await getRun(id)).status).toBe("completed");
    expect(await runStub(id).control().retentionPassed()).toBe(true);
    expect((await api(`/api/runs/${id}`)).status).toBe(404);
    expect(await listed(id)).toBe(false);
  });

  it("keeps an active run whatever its age", async () => {
    const id = await startRun("sleeper", { tag: crypto.randomUUID(), seconds: 3600 });
    await waitForRun(id, (run) => run.status === "sleeping");
    expect(await runStub(id).control().retentionPassed()).toBe(false);
    expect((await getRun(id)).status).toBe("sleeping");
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
  });

  it("deletes a cached task result when its TTL passes", async () => {
    const tag = crypto.randomUUID();
    const sku = crypto.randomUUID();
    await waitForRun(await startRun("cached", { tag, sku, value: 7, ttl: 1 }));
    const cache = env.TASK_CACHE.get(env.TASK_CACHE.idFromName(cacheIdentity("cached", "price", { sku, region: "eu" })));
    expect(await cache.size()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runDurableObjectAlarm(cache);
    expect(await cache.size()).toBe(0);
  });

  it("leaves an idle concurrency limiter holding no rows", async () => {
    const key = `idle-${crypto.randomUUID()}`;
    await waitForRun(await startRun("limited", { tag: crypto.randomUUID(), key, limit: 1, priorities: [0, 0, 0] }));
    const limiter = env.CONCURRENCY.get(env.CONCURRENCY.idFromName(key));
    await expect.poll(() => limiter.rows()).toBe(0);
  });
});
