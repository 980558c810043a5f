// continueAsNew() in memory: a loop carried over generations of runs, each with a fresh
// log, linked both ways; a child that continues; refusals.
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { continueAsNew, InvalidArgumentError, OutsideRunError, sleep, step, task, taskFlow, workflow } from "baton-workflows";
import { runLocally } from "baton-workflows/testing";

/** Adds its generation's number to the total in a task, and goes on as a new run until n is 5. */
const summing = workflow(
  async ({ n, total }) => {
    const next = await task("add", () => total + n);
    if (n < 5) return continueAsNew({ n: n + 1, total: next });
    return next;
  },
  { input: z.object({ n: z.number().int(), total: z.number() }) },
);

describe("continueAsNew (runLocally)", () => {
  it("a 5-generation loop sums correctly, each generation with a fresh log, linked both ways", async () => {
    for (const replayEveryStep of [false, true]) {
      const run = await runLocally(summing, { n: 0, total: 0 }, { replayEveryStep });
      // 0 + 1 + 2 + 3 + 4 + 5
      expect(run.status).toBe("completed");
      expect(run.output).toBe(15);
      const generations = run.generations ?? [];
      expect(generations.map((g) => g.status)).toEqual(["continued", "continued", "continued", "continued", "continued", "completed"]);
      expect(generations.map((g) => g.input)).toEqual([0, 0, 1, 3, 6, 10].map((total, n) => ({ n, total })));
      expect(run.id).toBe(generations[5]?.id);
      for (const [i, generation] of generations.entries()) {
        // A fresh log: one task (and the continue step), never the earlier generations' steps.
        expect(generation.steps.map((s) => s.key)).toEqual(i < 5 ? ["add#0", "continueAsNew#0"] : ["add#0"]);
        expect(generation.continuedFrom).toBe(i === 0 ? undefined : generations[i - 1]?.id);
        expect(generation.continuedAs).toBe(i === 5 ? undefined : generations[i + 1]?.id);
        if (i < 5) expect(generation.steps[1]).toMatchObject({ kind: "continue", status: "completed", output: { runId: generations[i + 1]?.id } });
      }
    }
  });

  it("code after continueAsNew never runs", async () => {
    let after = 0;
    const once = workflow(async (input: { again: boolean }) => {
      if (input.again) {
        await continueAsNew({ again: false });
        after += 1;
      }
      return "done";
    });
    const run = await runLocally(once, { again: true });
    expect(run.output).toBe("done");
    expect(after).toBe(0);
  });

  it("a child that continues as new: its parent's taskFlow gets the chain's final output", async () => {
    const parent = workflow(async () => {
      const total = await taskFlow<number>("summing", { n: 3, total: 100 });
      return { total };
    });
    const run = await runLocally(parent, null, { flows: { summing } });
    expect(run.output).toEqual({ total: 100 + 3 + 4 + 5 });
    expect(run.children[0]?.generations?.map((g) => g.parentId)).toEqual([run.id, run.id, run.id]);
  });

  it("an input the schema refuses fails the run and starts no successor", async () => {
    const bad = workflow(async ({ n }) => (n === 0 ? continueAsNew({ n: "one" }) : n), { input: z.object({ n: z.number() }) });
    const run = await runLocally(bad, { n: 0 });
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "InvalidInputError", code: "invalid_input" });
    expect(run.error?.message).toMatch(/^continueAsNew\(\): the successor's input does not fit the workflow's input schema: \$\.n: /);
    expect(run.generations).toBeUndefined();
    expect(run.steps.some((s) => s.kind === "continue")).toBe(false);
    // Not JSON at all.
    const notJson = workflow(async () => continueAsNew({ when: new Map() }));
    const refused = await runLocally(notJson, null);
    expect(refused.error).toMatchObject({ name: InvalidArgumentError.name });
    expect(refused.error?.message).toMatch(/^continueAsNew\(\): /);
  });

  it("is refused inside a task or step closure, and outside a run", async () => {
    const inside = workflow(async () => {
      await step("sneaky", () => continueAsNew(1));
      return "unreachable";
    });
    const run = await runLocally(inside, null);
    expect(run.status).toBe("failed");
    expect(run.error?.message).toBe("continueAsNew() cannot be called inside a task or step closure; call it from the workflow body instead");
    expect(() => continueAsNew(1)).toThrow(OutsideRunError);
  });

  it("a cancelled body that continues as new in its cleanup ends cancelled, with no successor", async () => {
    const stubborn = workflow(async (input: { n: number }) => {
      try {
        await sleep("long", "1 day");
      } catch {
        return continueAsNew({ n: input.n + 1 });
      }
      return "slept";
    });
    const run = await runLocally(stubborn, { n: 0 }, { cancels: [{ after: 60 }] });
    expect(run.status).toBe("cancelled");
    expect(run.generations).toBeUndefined();
    expect(run.steps.map((s) => s.kind)).toEqual(["sleep"]);
  });

  it("a cancel sent to the chain reaches its current run", async () => {
    const forever = workflow(async (input: { n: number }) => {
      await step("tick", () => input.n);
      if (input.n < 2) return continueAsNew({ n: input.n + 1 });
      await sleep("long", "1 day");
      return "never";
    });
    const run = await runLocally(forever, { n: 0 }, { cancels: [{ after: 60 }] });
    expect(run.status).toBe("cancelled");
    expect(run.generations?.map((g) => g.status)).toEqual(["continued", "continued", "cancelled"]);
    // A cancel at a step only a later generation reaches waits for it there.
    const atStep = await runLocally(forever, { n: 0 }, { cancels: [{ atStep: "long#0" }] });
    expect(atStep.generations?.map((g) => g.status)).toEqual(["continued", "continued", "cancelled"]);
  });
});
