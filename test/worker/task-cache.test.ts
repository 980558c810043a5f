// task(..., { cacheTtl, cacheKey }): results reused across runs within the TTL.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { cacheIdentity } from "../../src/tasks/task-cache.ts";
import { hits, startRun, waitForRun } from "./helpers.ts";

/** The cache entry of the "cached" workflow's price task for `sku`. */
const entry = (sku: string) => env.TASK_CACHE.get(env.TASK_CACHE.idFromName(cacheIdentity("cached", "price", { sku, region: "eu" })));

/** Waits until the first run's result is in the cache (it is stored in the background). */
const cachedFor = (sku: string) => vi.waitFor(async () => expect(await entry(sku).lookup(Date.now())).not.toBeNull(), { timeout: 10_000 });

describe("task cache", () => {
  it("reuses a result across runs within the TTL, marks the step cached, and misses after it", async () => {
    const tag = crypto.randomUUID();
    const sku = crypto.randomUUID();
    const first = await waitForRun(await startRun("cached", { tag, sku, value: 10, ttl: 60 }));
    expect(first.output).toBe(10);
    expect(first.steps[0]?.cached).toBeUndefined();
    await cachedFor(sku);

    const second = await waitForRun(await startRun("cached", { tag, sku, value: 99, ttl: 60 }));
    expect(second.output).toBe(10);
    expect(second.steps[0]).toMatchObject({ key: "price#0", status: "completed", cached: true });
    expect(await hits(`${tag}:price`)).toBe(1);

    const otherKey = await waitForRun(await startRun("cached", { tag, sku: `${sku}-other`, value: 7, ttl: 60 }));
    expect(otherKey.output).toBe(7);
    expect(await hits(`${tag}:price`)).toBe(2);

    // Stand in for the TTL passing: the entry is stored again as expired.
    const stored = await entry(sku).lookup(Date.now());
    await entry(sku).store({ ...(stored ?? { result: "10", runId: first.id, key: "price#0" }), expiresAt: Date.now() - 1 });
    const expired = await waitForRun(await startRun("cached", { tag, sku, value: 42, ttl: 60 }));
    expect(expired.output).toBe(42);
    expect(expired.steps[0]?.cached).toBeUndefined();
    expect(await hits(`${tag}:price`)).toBe(3);
  });

  it("treats a cache key with the same fields in another order as the same key", async () => {
    const tag = crypto.randomUUID();
    const sku = crypto.randomUUID();
    await waitForRun(await startRun("cached", { tag, sku, value: 10, ttl: 60 }));
    await cachedFor(sku);
    const reordered = await waitForRun(await startRun("cached", { tag, sku, value: 99, ttl: 60, regionFirst: true }));
    expect(reordered.output).toBe(10);
    expect(reordered.steps[0]?.cached).toBe(true);
    expect(await hits(`${tag}:price`)).toBe(1);
  });
});
