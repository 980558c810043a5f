// Inside a workflow body the clock and randomness are the run's own: recorded time,
// a sequence seeded by the run's id. Replays (rebuilt, mirrored, task-mode) see the
// same values; closures and everything outside a body see the real ones.
import { randomBytes, randomUUID as nodeRandomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sleep, step, task, workflow } from "baton-workflows";
import type { LogEntry } from "../../sdk/core/log.ts";
import { RunMirror } from "../../sdk/core/run-mirror.ts";
import { runTaskByReplay } from "../../sdk/core/task-replay.ts";
import { deliverTo, drive, MemoryHost, outputOf, atRest } from "./memory-host.ts";

const draws = workflow(async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return {
    math: Math.random(),
    uuid: crypto.randomUUID(),
    node: nodeRandomUUID(),
    nodeBytes: [...randomBytes(3)],
    bytes: [...bytes],
  };
});

describe("randomness in a body", () => {
  it("is the same for every execution of one run, and differs between runs", async () => {
    const outputs = [];
    for (const seed of ["run-1", "run-1", "run-2"]) {
      const run = drive(draws, undefined, [], new MemoryHost(), { seed });
      await atRest();
      outputs.push(run.ended());
    }
    expect(outputs[0]).toMatchObject({ status: "completed" });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).not.toEqual(outputs[0]);
    const output = outputOf<{ uuid: string; node: string; math: number }>(outputs[0]);
    expect(output.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(output.node).not.toBe(output.uuid);
    expect(output.math).toBeGreaterThanOrEqual(0);
    expect(output.math).toBeLessThan(1);
  });

  it("is the same in a consumer's mirror and task replay, where a task's closure captures it", async () => {
    const order = workflow(async () => {
      const id = crypto.randomUUID();
      const reserved = await task("reserve", () => id);
      return { id, reserved };
    });
    const live = drive(order, undefined, [], new MemoryHost(), { seed: "run-9" });
    await atRest();
    const log: LogEntry[] = [{ key: "reserve#0", branch: "", seq: 0, kind: "task", name: "reserve", status: "running", attempts: 1 }];
    const mirrored = await new RunMirror(order.run, undefined, log, 1, { seed: "run-9" }).run("reserve#0", 1);
    const replayed = await runTaskByReplay(order.run, undefined, log, "reserve#0", 1, { seed: "run-9" });
    expect(mirrored).toEqual(replayed);
    deliverTo(live.execution, "reserve#0", mirrored ?? { ok: false, error: { name: "Error", message: "not reached" } });
    await atRest();
    const output = outputOf<{ id: string; reserved: string }>(live.ended());
    expect(output.reserved).toBe(output.id);
  });

  it("is real inside task and step closures and outside any run", async () => {
    const closures = workflow(async () => [await step("a", () => crypto.randomUUID()), await step("b", () => crypto.randomUUID())]);
    const first = drive(closures, undefined, [], new MemoryHost(), { seed: "same" });
    const second = drive(closures, undefined, [], new MemoryHost(), { seed: "same" });
    await atRest();
    expect(outputOf<string[]>(first.ended())).not.toEqual(outputOf<string[]>(second.ended()));
    expect(crypto.randomUUID()).not.toBe(crypto.randomUUID());
  });
});

describe("the clock in a body", () => {
  it("reads the run's start until the first outcome, then the time each outcome was recorded", async () => {
    const clock = workflow(async () => {
      const start = Date.now();
      const made = new Date().getTime();
      const text = Date();
      await sleep(60);
      return { start, made, text, woke: Date.now(), closure: await step("now", () => Date.now()) };
    });
    const run = drive(clock, undefined, [], new MemoryHost(), { startedAt: 1_000 });
    await atRest();
    deliverTo(run.execution, "sleep#0", { ok: true, value: undefined }, 61_000);
    await atRest();
    const output = outputOf<{ start: number; made: number; text: string; woke: number; closure: number }>(run.ended());
    expect(output).toMatchObject({ start: 1_000, made: 1_000, woke: 61_000 });
    expect(output.text).toBe(new Date(1_000).toString());
    // Closures run in the present.
    expect(output.closure).toBeGreaterThan(Date.UTC(2025, 0, 1));
    expect(new Date() instanceof Date).toBe(true);
    expect(Date.now()).toBeGreaterThan(Date.UTC(2025, 0, 1));
  });
});
