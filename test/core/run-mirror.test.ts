// The consumer's fast path (a mirror fed log deltas) and its slow path (replay from
// the whole log) must run the same closures with the same inputs.
import { describe, expect, it } from "vitest";
import { parallel, sleep, task, workflow } from "baton-workflows";
import { Execution, type ExecutionHost, type NewCall } from "../../sdk/core/execution.ts";
import type { LogEntry } from "../../sdk/core/log.ts";
import { MirrorCache, RunMirror } from "../../sdk/core/run-mirror.ts";
import { runTaskByReplay } from "../../sdk/core/task-replay.ts";
import { atRest } from "./memory-host.ts";

const flow = workflow(async (input: { n: number }) => {
  let acc = await task("seed", () => input.n);
  for (let i = 0; i < 3; i++) acc = await task("step", () => acc * 2 + i);
  await sleep(1);
  const parts = await parallel([1, 2, 3], async (x) => task("part", () => acc + x), { concurrency: 2 });
  return task("sum", () => parts.reduce((a, b) => a + b, 0));
});

/** A minimal run object: drives the workflow and numbers every log change, as RunStore does. */
class SimulatedRun implements ExecutionHost {
  readonly log = new Map<string, LogEntry & { change: number }>();
  readonly open: NewCall[] = [];
  changes = 0;
  deliveries = 0;
  readonly execution = new Execution(flow.run, { n: 5 }, [], this, { kind: "drive" });
  begin(call: NewCall): void {
    this.log.set(call.key, { key: call.key, branch: call.branch, seq: call.seq, kind: call.kind, name: call.name, status: call.kind === "sleep" ? "sleeping" : "running", attempts: call.attempt, change: ++this.changes });
    this.open.push(call);
  }
  finishStep(): null {
    return null;
  }
  settle(key: string, value: unknown): void {
    const entry = this.log.get(key);
    if (!entry) throw new Error(`no ${key}`);
    const delivery = ++this.deliveries;
    this.log.set(key, { ...entry, status: "completed", result: value, delivery, at: 0, change: ++this.changes });
    this.execution.deliver({ key, delivery, at: 0, outcome: { ok: true, value: value as never } });
  }
  since(cursor: number): LogEntry[] {
    return [...this.log.values()].filter((e) => e.change > cursor).sort((a, b) => a.change - b.change);
  }
}

/** Waits until the body has taken every delivered outcome in and run as far as they take it (not a fixed number of turns: under load a turn is not enough). */
async function settledIn(run: SimulatedRun): Promise<void> {
  await atRest();
  await run.execution.idle();
  await atRest();
}

describe("run mirror", () => {
  it("runs every task exactly as a replay from the whole log does, fed only deltas", async () => {
    const run = new SimulatedRun();
    let end: unknown;
    void run.execution.ended.then((e) => (end = e));
    run.execution.start();
    await atRest();
    const mirror = new RunMirror(flow.run, { n: 5 }, run.since(0), run.changes);
    let deltaEntries = 0;
    while (run.open.length > 0) {
      const call = run.open.shift() as NewCall;
      if (call.kind === "sleep") {
        run.settle(call.key, undefined);
        await settledIn(run);
        continue;
      }
      const delta = run.since(mirror.cursor);
      deltaEntries = Math.max(deltaEntries, delta.length);
      mirror.absorb(delta, run.changes);
      const fast = await mirror.run(call.key, 1);
      const slow = await runTaskByReplay(flow.run, { n: 5 }, run.since(0), call.key, 1);
      expect(fast).toEqual(slow);
      expect(fast?.ok).toBe(true);
      run.settle(call.key, fast?.ok ? fast.value : null);
      await settledIn(run);
    }
    // seed 5 → 10, 21, 44 → parts 45, 46, 47 → 138
    expect(end).toEqual({ status: "completed", output: 138 });
    // Deltas stay small: never more than the few entries changed since the last task.
    expect(deltaEntries).toBeLessThanOrEqual(4);
  });

  it("answers undefined for a task its workflow never reaches, so the caller replays instead", async () => {
    const mirror = new RunMirror(flow.run, { n: 1 }, [], 0);
    expect(await mirror.run("elsewhere#0", 1)).toBeUndefined();
  });

  it("keeps only the most recently used runs", () => {
    const cache = new MirrorCache(2);
    const make = () => new RunMirror(flow.run, { n: 1 }, [], 0);
    const [a, b, c] = [make(), make(), make()];
    cache.set("a", a);
    cache.set("b", b);
    expect(cache.get("a")).toBe(a);
    cache.set("c", c);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(a);
    expect(cache.get("c")).toBe(c);
  });
});
