// Concurrency limits across runs, priorities, and leases that expire.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
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
    const run = await waitForRun(await startRun("limited", { tag, key: `rate-${tag}`, limit: 2, window: 1, priorities: [0, 0, 0, 0, 0] }));
    expect(run.status).toBe("completed");
    const starts = (run.output as { startedAt: number }[]).map((r) => r.startedAt).sort((a, b) => a - b);
    // Never three starts in one window. The tasks clock their own start, which trails
    // the grant by a queue delivery, so allow that much jitter; without the limit all
    // five would start within a few tens of milliseconds.
    for (let i = 2; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 2] ?? 0)).toBeGreaterThan(800);
  });

  it("free a slot whose holder crashed once its lease expires, and the waiting work continues", async () => {
    const tag = crypto.randomUUID();
    const key = `crash-${tag}`;
    const limiter = env.CONCURRENCY.get(env.CONCURRENCY.idFromName(key));
    // A holder that will never release: a consumer that crashed with the slot.
    expect(await limiter.acquire({ runId: "gone", key: "x#0", attempt: 1, priority: 0, limit: 1, leaseMs: 300 })).toBe("granted");
    const id = await startRun("limited", { tag, key, limit: 1, priorities: [0] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await waitForRun(id, () => true)).steps[0]).toMatchObject({ status: "queued" });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
  });
});
