// task(..., { cacheTtl, cacheKey }): results reused across runs within the TTL.
import { describe, expect, it } from "vitest";
import { hits, pause, startRun, waitForRun } from "./helpers.ts";

describe("task cache", () => {
  it("reuses a result across runs within the TTL, marks the step cached, and misses after it", async () => {
    const tag = crypto.randomUUID();
    const sku = crypto.randomUUID();
    const first = await waitForRun(await startRun("cached", { tag, sku, value: 10, ttl: 1 }));
    expect(first.output).toBe(10);
    expect(first.steps[0]?.cached).toBeUndefined();
    await pause(50);

    const second = await waitForRun(await startRun("cached", { tag, sku, value: 99, ttl: 1 }));
    expect(second.output).toBe(10);
    expect(second.steps[0]).toMatchObject({ key: "price#0", status: "completed", cached: true });
    expect(await hits(`${tag}:price`)).toBe(1);

    const otherKey = await waitForRun(await startRun("cached", { tag, sku: `${sku}-other`, value: 7, ttl: 1 }));
    expect(otherKey.output).toBe(7);
    expect(await hits(`${tag}:price`)).toBe(2);

    await pause(1100);
    const expired = await waitForRun(await startRun("cached", { tag, sku, value: 42, ttl: 1 }));
    expect(expired.output).toBe(42);
    expect(expired.steps[0]?.cached).toBeUndefined();
    expect(await hits(`${tag}:price`)).toBe(3);
  });

  it("treats a cache key with the same fields in another order as the same key", async () => {
    const tag = crypto.randomUUID();
    const sku = crypto.randomUUID();
    await waitForRun(await startRun("cached", { tag, sku, value: 10, ttl: 60 }));
    const reordered = await waitForRun(await startRun("cached", { tag, sku, value: 99, ttl: 60, regionFirst: true }));
    expect(reordered.output).toBe(10);
    expect(reordered.steps[0]?.cached).toBe(true);
    expect(await hits(`${tag}:price`)).toBe(1);
  });
});
