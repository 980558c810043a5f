// Concurrency limits across runs, priorities, and leases that expire.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { startRun, waitForRun } from "./helpers.ts";

const probe = () => env.PROBE.get(env.PROBE.idFromName("probe"));

describe("concurrency limits", () => {
  it("never run more than `limit` attempts with one key at once, across runs (measured by the tasks)", async () => {
    const tag = crypto.randomUUID();
    const key = `api-${tag}`;
    const ids = await Promise.all([0, 1, 2].map(() => startRun("limited", { tag, key, limit: 2, priorities: [0, 0, 0, 0] })));
    const runs = await Promise.all(ids.map((id) => waitForRun(id)));
    for (const run of runs) expect(run.status).toBe("completed");
    expect(await probe().count(`${tag}:live`)).toBe(12);
    expect(await probe().peak(`${tag}:live`)).toBe(2);
  });

  it("grant waiting tasks by priority, highest first", async () => {
    const tag = crypto.randomUUID();
    const priorities = [1, 5, 3, 9, 2];
    const run = await waitForRun(await startRun("limited", { tag, key: `db-${tag}`, limit: 1, priorities }));
    expect(run.status).toBe("completed");
    const results = run.output as { priority: number; order: number }[];
    const afterFirst = [...results].sort((a, b) => a.order - b.order).slice(1).map((r) => r.priority);
    expect(afterFirst).toEqual([...afterFirst].sort((a, b) => b - a));
    expect(await probe().peak(`${tag}:live`)).toBe(1);
  });

  it("with a window, start at most `limit` attempts per window (a rate limit)", async () => {
    const tag = crypto.randomUUID();
    const key = `rate-${tag}`;
    const limiter = env.CONCURRENCY.get(env.CONCURRENCY.idFromName(key));
    const id = await startRun("limited", { tag, key, limit: 2, window: 3600, priorities: [0, 0, 0, 0, 0] });
    const started = (n: number) => vi.waitFor(async () => expect(await probe().count(`${tag}:order`)).toBe(n), { timeout: 10_000 });
    const queued = async () => (await waitForRun(id, () => true)).steps.filter((step) => step.status === "queued").length;
    // Two start in the first window; the rest wait, holding no Worker, however long it takes.
    await started(2);
    await vi.waitFor(async () => expect(await queued()).toBe(3), { timeout: 10_000 });
    // The limiter's clock moves an hour on: the next window lets two more start, then the last.
    await limiter.control().advance(3_600_000);
    await started(4);
    expect(await queued()).toBe(1);
    await limiter.control().advance(3_600_000);
    await started(5);
    expect((await waitForRun(id)).status).toBe("completed");
  });

  it("free a slot whose holder crashed once its lease expires, and the waiting work continues", async () => {
    const tag = crypto.randomUUID();
    const key = `crash-${tag}`;
    const limiter = env.CONCURRENCY.get(env.CONCURRENCY.idFromName(key));
    // A holder that will never release: a consumer that crashed with the slot.
    expect(await limiter.acquire({ runId: "gone", key: "x#0", attempt: 1, priority: 0, limit: 1, leaseMs: 600_000 })).toBe("granted");
    const id = await startRun("limited", { tag, key, limit: 1, priorities: [0] });
    await vi.waitFor(async () => expect((await waitForRun(id, () => true)).steps[0]?.status).toBe("queued"), { timeout: 10_000 });
    // The lease's ten minutes pass on the limiter's clock: the slot is free again.
    await limiter.control().advance(600_000);
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
  });
});
