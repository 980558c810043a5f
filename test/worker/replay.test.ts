// Replay keeps step keys stable and refuses to diverge from the log.
import { evictDurableObject, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { flip, tallied } from "../hit.ts";
import { hits, runStub, startRun, waitForRun } from "./helpers.ts";

describe("replay", () => {
  it("gives parallel branches the same keys whatever order their tasks finish in", async () => {
    const reverse = await waitForRun(await startRun("fanout", { tag: crypto.randomUUID(), n: 6 }));
    const oneByOne = await waitForRun(await startRun("fanout", { tag: crypto.randomUUID(), n: 6, concurrency: 1 }));
    const expected = [0, 1, 2, 3, 4, 5].map((i) => `item-${i}=${i * 2}`);
    expect(reverse.output).toEqual(expected);
    expect(oneByOne.output).toEqual(expected);
    const keys = (run: typeof reverse) => run.steps.map((s) => s.key).sort();
    expect(keys(reverse)).toEqual(keys(oneByOne));
    expect(keys(reverse)).toContain("parallel#0[5]/double#0");
    expect(keys(reverse)).toContain("parallel#0[0]/label#0");
  });

  it("never has more than `concurrency` items in flight", async () => {
    const run = await waitForRun(await startRun("fanout", { tag: crypto.randomUUID(), n: 6, concurrency: 2 }));
    // Each item is busy from its first task's start to its last task's end.
    const spans = [0, 1, 2, 3, 4, 5].map((i) => {
      const first = run.steps.find((s) => s.key === `parallel#0[${i}]/double#0`);
      const last = run.steps.find((s) => s.key === `parallel#0[${i}]/label#0`);
      return [Date.parse(first?.startedAt ?? ""), Date.parse(last?.endedAt ?? "")] as const;
    });
    for (const [start] of spans) {
      const busy = spans.filter(([s, e]) => s <= start && e > start);
      expect(busy.length).toBeLessThanOrEqual(2);
    }
    expect(run.output).toHaveLength(6);
  });

  it("fails the run with a non-determinism error when replayed code asks for a different step", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("drift", { tag });
    await waitForRun(id, (run) => run.status === "sleeping");
    // The workflow reads this outside a step: after eviction, replay takes the other branch.
    flip(`${tag}:renamed`);
    await evictDurableObject(runStub(id));
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error?.name).toBe("NonDeterminismError");
    expect(run.error?.message).toContain('step key "a#0"');
    expect(run.error?.message).toContain('recorded task "a"');
    expect(run.error?.message).toContain('asked for task "b"');
    expect(await hits(`${tag}:c`)).toBe(0);
  });
});

describe("the consumer", () => {
  it("reaches each next task from its mirror of the run, without replaying the workflow from the start", async () => {
    const tag = crypto.randomUUID();
    const run = await waitForRun(await startRun("chain", { tag, n: 6 }));
    expect(run.output).toBe(15);
    // The run object starts the body once; a consumer with its mirror once more, and
    // with mirrors off (BATON_CONSUMER_CACHE=off) once per task.
    const expected = env.BATON_CONSUMER_CACHE === "off" ? 1 + 6 : 1 + 1;
    expect(tallied(`${tag}:body`)).toBe(expected);
  });
});
