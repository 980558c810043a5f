// Task mode: the consumer replays the workflow to one task and runs only its closure.
import { describe, expect, it } from "vitest";
import { sleep, task, workflow } from "baton-workflows";
import { runTaskByReplay } from "../../sdk/core/task-replay.ts";
import { done } from "./memory-host.ts";

const ran: string[] = [];
const flow = workflow(async (input: { x: number }) => {
  const a = await task("a", () => (ran.push("a"), input.x + 1));
  await sleep(10);
  const b = await task("b", ({ attempt }) => (ran.push("b"), { a, attempt }));
  return task("c", () => {
    ran.push("c");
    throw new TypeError(`c got ${JSON.stringify(b)}`);
  });
});
const log = [done("a#0", "task", "a", 0, 5), done("sleep#0", "sleep", "sleep", 1, undefined)];

describe("runTaskByReplay", () => {
  it("runs only the target task's closure, with values replayed from the log", async () => {
    ran.length = 0;
    const outcome = await runTaskByReplay(flow.run, { x: 1 }, [...log, { key: "b#0", branch: "", seq: 2, kind: "task", name: "b", status: "running", attempts: 3 }], "b#0", 3);
    expect(outcome).toEqual({ ok: true, value: { a: 5, attempt: 3 } });
    expect(ran).toEqual(["b"]);
  });

  it("returns a throwing closure's error with its name and message", async () => {
    ran.length = 0;
    const full = [...log, done("b#0", "task", "b", 2, { a: 5 })];
    const outcome = await runTaskByReplay(flow.run, { x: 1 }, full, "c#0", 1);
    expect(outcome).toMatchObject({ ok: false, error: { name: "TypeError", message: 'c got {"a":5}' } });
    expect(ran).toEqual(["c"]);
  });

  it("returns a NonDeterminismError when the code no longer matches the log", async () => {
    const changed = workflow(async () => task("z", () => 1));
    const outcome = await runTaskByReplay(changed.run, {}, log, "b#0", 1);
    expect(outcome).toMatchObject({ ok: false, error: { name: "NonDeterminismError" } });
  });

  it("returns a NonDeterminismError when replay ends without asking for the task", async () => {
    const short = workflow(async () => "finished early");
    const outcome = await runTaskByReplay(short.run, {}, [], "b#0", 1);
    expect(outcome).toMatchObject({ ok: false, error: { name: "NonDeterminismError" } });
    expect(outcome.ok ? "" : outcome.error.message).toContain('did not reach task "b#0"');
  });
});
