// A run object evicted or aborted mid-run rebuilds its workflow by replaying the log;
// nothing completed runs again.
import { abortAllDurableObjects, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hits, runStub, startRun, waitForRun } from "./helpers.ts";

describe("eviction", () => {
  it("a run evicted while it sleeps completes by replay without re-running completed work", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("counted", { tag, pause: 1 });
    await waitForRun(id, (run) => run.status === "sleeping");
    await evictDurableObject(runStub(id));
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ total: 10 });
    for (const name of ["a", "b", "s", "c"]) expect(await hits(`${tag}:${name}`)).toBe(1);
  });

  it("a run evicted while its parallel tasks are in flight takes their reports on a fresh instance", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("fanout", { tag, n: 5 });
    await evictDurableObject(runStub(id));
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual([0, 1, 2, 3, 4].map((i) => `item-${i}=${i * 2}`));
    for (let i = 0; i < 5; i++) expect(await hits(`${tag}:double:${i}`)).toBe(1);
  });

  it("a run whose objects are all aborted mid-sleep still completes, each task once", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("counted", { tag, pause: 1 });
    await waitForRun(id, (run) => run.status === "sleeping");
    await abortAllDurableObjects();
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    for (const name of ["a", "b", "s", "c"]) expect(await hits(`${tag}:${name}`)).toBe(1);
  });
});
