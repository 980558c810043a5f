// What closures print is captured per attempt, kept apart between closures running at
// once, still printed to the real console, and capped.
import { describe, expect, it, vi } from "vitest";
import { step, task, workflow } from "baton-workflows";
import { runLocally } from "baton-workflows/testing";
import { LogSink, MAX_LOG_BYTES } from "../../sdk/core/closure-logs.ts";
import { runClosure } from "../../sdk/core/run-closure.ts";

describe("closure logs", () => {
  it("keep each attempt's lines apart when closures run at once, and still reach the console", async () => {
    const printed = vi.spyOn(console, "log");
    const slow = (name: string) => async () => {
      for (let i = 0; i < 3; i++) {
        console.log(`${name} ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return name;
    };
    const [a, b] = await Promise.all([runClosure(slow("a"), "a#0", 1), runClosure(slow("b"), "b#0", 2)]);
    expect(a.logs?.map((line) => [line.attempt, line.message])).toEqual([
      [1, "a 0"],
      [1, "a 1"],
      [1, "a 2"],
    ]);
    expect(b.logs?.map((line) => line.message)).toEqual(["b 0", "b 1", "b 2"]);
    expect(printed.mock.calls.map((call) => call[0])).toEqual(expect.arrayContaining(["a 0", "b 2"]));
    printed.mockRestore();
  });

  it("are capped per attempt, with a last line saying how much was cut", () => {
    const sink = new LogSink(3);
    for (let i = 0; i < 100; i++) sink.add("log", ["x".repeat(1024)]);
    const lines = sink.lines();
    expect(lines.slice(0, -1).reduce((sum, line) => sum + line.message.length, 0)).toBeLessThanOrEqual(MAX_LOG_BYTES);
    expect(lines.length).toBe(Math.floor(MAX_LOG_BYTES / 1024) + 1);
    expect(lines.at(-1)).toMatchObject({ attempt: 3, level: "warn", message: `… ${(100 - MAX_LOG_BYTES / 1024) * 1024} more characters of log output were cut (at most ${MAX_LOG_BYTES} are kept per attempt)` });
  });

  it("leave an attempt that printed nothing without logs, and the body's own prints uncaptured", async () => {
    expect(await runClosure(() => 1, "q#0", 1)).toEqual({ ok: true, value: 1 });
  });

  it("show in runLocally's steps with their outputs", async () => {
    const flow = workflow(async () => {
      console.log("the body's own line");
      const made = await task("make", () => {
        console.log("making");
        return { n: 1 };
      });
      return step("check", () => {
        console.warn("checked", made);
        return made.n + 1;
      });
    });
    const run = await runLocally(flow, undefined);
    expect(run.steps.map((s) => [s.key, s.output, s.logs.map((l) => `${l.level}:${l.message}`)])).toEqual([
      ["make#0", { n: 1 }, ["log:making"]],
      ["check#0", 2, ['warn:checked {"n":1}']],
    ]);
  });
});
