// The replay machine in drive mode, with literal logs and an in-memory host.
import { describe, expect, it } from "vitest";
import { parallel, sleep, step, task, workflow } from "baton-workflows";
import { done, drive, atRest, deliverTo } from "./memory-host.ts";

describe("a new call", () => {
  it("is handed to the host once and stays pending until delivered", async () => {
    const flow = workflow(async (input: { n: number }) => (await task("double", () => input.n * 2)) as number);
    const { execution, host, ended } = drive(flow, { n: 2 });
    await atRest();
    expect(host.begun).toEqual([
      { key: "double#0", branch: "", seq: 0, kind: "task", name: "double", attempt: 1, options: { retries: { limit: 5, delay: 1, backoff: "exponential" }, timeout: 600 } },
    ]);
    expect(ended()).toBeUndefined();
    expect(deliverTo(execution, "double#0", { ok: true, value: 4 })).toBe(true);
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: 4 });
    expect(host.begun).toHaveLength(1);
  });

  it("records a sleep with its duration", async () => {
    const { host } = drive(workflow(async () => sleep("nap", 30)), undefined);
    await atRest();
    expect(host.begun).toEqual([{ key: "nap#0", branch: "", seq: 0, kind: "sleep", name: "nap", attempt: 1, seconds: 30 }]);
  });
});

describe("replay", () => {
  it("returns stored results without starting anything again", async () => {
    const flow = workflow(async () => {
      const a = await task("a", () => 1);
      await sleep(5);
      const b = await step("b", () => 100);
      return { a, b };
    });
    const log = [done("a#0", "task", "a", 0, 7), done("sleep#0", "sleep", "sleep", 1, undefined), done("b#0", "step", "b", 2, 8)];
    const { host, ended } = drive(flow, undefined, log);
    await atRest();
    expect(host.begun).toEqual([]);
    expect(ended()).toEqual({ status: "completed", output: { a: 7, b: 8 } });
  });

  it("throws a stored failure with the original name and message, catchable by the workflow", async () => {
    const flow = workflow(async () => {
      try {
        await task("charge", () => 1);
        return "charged";
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    const log = [{ key: "charge#0", branch: "", seq: 0, kind: "task" as const, name: "charge", status: "failed" as const, attempts: 1, error: { name: "QuotaError", message: "over quota" } }];
    const { ended } = drive(flow, undefined, log);
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: "QuotaError: over quota" });
  });

  it("runs again a step the log shows as cut off mid-run, as attempt 2", async () => {
    const flow = workflow(async () => step("s", ({ attempt }) => attempt));
    const log = [{ key: "s#0", branch: "", seq: 0, kind: "step" as const, name: "s", status: "running" as const, attempts: 1 }];
    const { host, ended } = drive(flow, undefined, log);
    await atRest();
    expect(host.begun).toMatchObject([{ key: "s#0", attempt: 2 }]);
    expect(host.finished).toEqual([{ key: "s#0", attempt: 2, outcome: { ok: true, value: 2 } }]);
    expect(ended()).toEqual({ status: "completed", output: 2 });
  });
});

describe("inline steps", () => {
  it("run their closure, report the outcome to the host and continue", async () => {
    const flow = workflow(async () => (await step("one", () => 1)) + (await step("two", async () => 2)));
    const { host, ended } = drive(flow, undefined);
    await atRest();
    expect(host.finished.map((f) => [f.key, f.outcome])).toEqual([
      ["one#0", { ok: true, value: 1 }],
      ["two#0", { ok: true, value: 2 }],
    ]);
    expect(ended()).toEqual({ status: "completed", output: 3 });
  });

  it("fail with a catchable SerializationError when the result is not JSON", async () => {
    const flow = workflow(async () => {
      try {
        await step("when", () => new Date());
        return "stored";
      } catch (error) {
        return (error as Error).name;
      }
    });
    const { host, ended } = drive(flow, undefined);
    await atRest();
    expect(host.finished[0]?.outcome).toMatchObject({ ok: false, error: { name: "SerializationError" } });
    expect(ended()).toEqual({ status: "completed", output: "SerializationError" });
  });
});

describe("the run's end", () => {
  it("is failed with the uncaught error's name and message", async () => {
    const { ended } = drive(workflow(async () => { throw new RangeError("too far"); }), undefined);
    await atRest();
    expect(ended()).toMatchObject({ status: "failed", error: { name: "RangeError", message: "too far", stack: expect.stringContaining("RangeError: too far") } });
  });

  it("is failed when the output is not JSON", async () => {
    const { ended } = drive(workflow(async () => new Map()), undefined);
    await atRest();
    expect(ended()).toMatchObject({ status: "failed", error: { name: "SerializationError" } });
  });

  it("never comes while a call is pending, even inside the workflow's try/catch", async () => {
    const flow = workflow(async () => {
      try {
        await task("slow", () => 1);
        return "done";
      } catch {
        return "caught";
      }
    });
    const { ended } = drive(flow, undefined);
    await atRest();
    await atRest();
    expect(ended()).toBeUndefined();
  });
});

describe("parallel", () => {
  const fan = workflow(async (input: { n: number; concurrency?: number }) =>
    parallel(
      Array.from({ length: input.n }, (_, i) => i),
      async (i) => `${i}:${String(await task("t", () => i))}`,
      input.concurrency === undefined ? {} : { concurrency: input.concurrency },
    ),
  );

  it("returns results in item order whatever order deliveries come in, with per-item keys", async () => {
    const { execution, host, ended } = drive(fan, { n: 3 });
    await atRest();
    expect(host.begun.map((c) => c.key)).toEqual(["parallel#0[0]/t#0", "parallel#0[1]/t#0", "parallel#0[2]/t#0"]);
    for (const i of [2, 0, 1]) deliverTo(execution, `parallel#0[${i}]/t#0`, { ok: true, value: i * 10 });
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: ["0:0", "1:10", "2:20"] });
  });

  it("starts at most `concurrency` items at once, the next when one finishes", async () => {
    const { execution, host } = drive(fan, { n: 5, concurrency: 2 });
    await atRest();
    expect(host.begun.map((c) => c.key)).toEqual(["parallel#0[0]/t#0", "parallel#0[1]/t#0"]);
    deliverTo(execution, "parallel#0[1]/t#0", { ok: true, value: 1 });
    await atRest();
    expect(host.begun.map((c) => c.key)).toEqual(["parallel#0[0]/t#0", "parallel#0[1]/t#0", "parallel#0[2]/t#0"]);
  });

  it("starts waiting items by priority, highest first, keeping per-item keys", async () => {
    const byPriority = workflow(async () =>
      parallel([1, 7, 3, 7], async (p, i) => `${i}:${String(await task("t", () => p))}`, { concurrency: 1, priority: (p) => p }),
    );
    const { execution, host, ended } = drive(byPriority, undefined);
    for (let round = 0; round < 4; round++) {
      await atRest();
      const call = host.begun[round];
      if (!call) throw new Error(`round ${round}: nothing started`);
      deliverTo(execution, call.key, { ok: true, value: Number(call.key.slice(11, 12)) });
    }
    await atRest();
    expect(host.begun.map((c) => c.key)).toEqual(["parallel#0[1]/t#0", "parallel#0[3]/t#0", "parallel#0[2]/t#0", "parallel#0[0]/t#0"]);
    expect(ended()).toEqual({ status: "completed", output: ["0:0", "1:1", "2:2", "3:3"] });
  });

  it("resolves an empty list to []", async () => {
    const { ended } = drive(fan, { n: 0 });
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: [] });
  });

  it("rejects with the first failing item's error", async () => {
    const { execution, ended } = drive(fan, { n: 2 });
    await atRest();
    deliverTo(execution, "parallel#0[1]/t#0", { ok: false, error: { name: "BadItem", message: "item 1 failed" } });
    await atRest();
    expect(ended()).toEqual({ status: "failed", error: { name: "BadItem", message: "item 1 failed" } });
  });
});
