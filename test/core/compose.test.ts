// The replay machine's composition calls: taskScript, taskFlow and patched().
import { describe, expect, it } from "vitest";
import { patched, script, task, taskFlow, taskScript, workflow, type Script } from "baton-workflows";
import { Execution, IDLE_HOST, runClosure, type Resolver } from "../../sdk/core/execution.ts";
import type { LogEntry } from "../../sdk/core/log.ts";
import { done, drive, MemoryHost, atRest, deliverTo } from "./memory-host.ts";

const double = script(async (args: { n: number }) => args.n * 2, { retries: { limit: 0 }, timeout: 30 });
const resolver: Resolver = {
  script: (path) => (path === "math/double" ? (double as Script) : undefined),
  isWorkflow: (path) => path === "child",
};

describe("taskScript", () => {
  it("records the script's path and args, with its options under the caller's", async () => {
    const flow = workflow(async () => taskScript("math/double", { n: 2 }, { timeout: 5, cacheTtl: 60 }));
    const { host } = drive(flow, undefined, [], new MemoryHost(), { resolver });
    await atRest();
    expect(host.begun).toHaveLength(1);
    expect(host.begun[0]).toMatchObject({
      key: "math%2Fdouble#0",
      kind: "task",
      name: "math/double",
      script: { path: "math/double", args: { n: 2 } },
      // The script's retries, the caller's timeout; the args are the cache key.
      options: { retries: { limit: 0 }, timeout: 5, cacheTtl: 60, cacheKey: { n: 2 } },
    });
  });

  it("fails the call with ScriptNotFoundError for a path nothing is registered at", async () => {
    const flow = workflow(async () => taskScript("math/none", {}).catch((error: Error & { code?: string }) => `${error.name}/${error.code}`));
    const { host, ended } = drive(flow, undefined, [], new MemoryHost(), { resolver });
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: "ScriptNotFoundError/script_not_found" });
    expect(host.begun).toEqual([]);
  });

  it("checks the path and the args where the workflow calls it", async () => {
    const outcomes: string[] = [];
    const flow = workflow(async () => {
      for (const call of [() => taskScript("math/double.ts"), () => taskScript("../x"), () => taskScript("math/double", { when: new Date() })]) {
        try {
          await call();
        } catch (error) {
          outcomes.push((error as Error).message);
        }
      }
    });
    drive(flow, undefined, [], new MemoryHost(), { resolver });
    await atRest();
    expect(outcomes[0]).toContain('without ".ts": "math/double"');
    expect(outcomes[1]).toContain("takes the path of a file in workflows/");
    expect(outcomes[2]).toContain('the args of script "math/double"');
  });

  it("runs the script's code in task mode, with the args recorded", async () => {
    const flow = workflow(async () => taskScript("math/double", { n: 21 }));
    const log: LogEntry[] = [{ key: "math%2Fdouble#0", branch: "", seq: 0, kind: "task", name: "math/double", status: "running", attempts: 1 }];
    const execution = new Execution(flow.run, undefined, log, IDLE_HOST, { kind: "task", key: "math%2Fdouble#0", attempt: 1 }, { resolver });
    execution.start();
    expect(await execution.reached).toEqual({ ok: true, value: 42 });
  });
});

describe("taskFlow", () => {
  it("records a child flow once, with its input and timeout", async () => {
    const flow = workflow(async () => taskFlow("child", { a: 1 }, { timeout: 60 }));
    const { host } = drive(flow, undefined, [], new MemoryHost(), { resolver });
    await atRest();
    expect(host.begun.map(({ key, kind, flow }) => ({ key, kind, flow }))).toEqual([{ key: "child#0", kind: "flow", flow: { path: "child", input: { a: 1 }, timeout: 60 } }]);
    // Replayed while the child runs: nothing is begun again.
    const again = drive(flow, undefined, [{ ...done("child#0", "flow", "child", 0, undefined), status: "running" }], new MemoryHost(), { resolver });
    await atRest();
    expect(again.host.begun).toEqual([]);
    expect(again.ended()).toBeUndefined();
  });

  it("resolves to the child's output and throws the child's error as recorded", async () => {
    const flow = workflow(async () => {
      const first = await taskFlow<string>("child", 1);
      try {
        await taskFlow("child", 2);
      } catch (error) {
        return [first, (error as Error).name];
      }
    });
    const log: LogEntry[] = [
      done("child#0", "flow", "child", 0, "one"),
      { key: "child#1", branch: "", seq: 1, kind: "flow", name: "child", status: "failed", attempts: 1, error: { name: "CancelledError", code: "cancelled", message: "child run x was cancelled" } },
    ];
    const { ended } = drive(flow, undefined, log, new MemoryHost(), { resolver });
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: ["one", "CancelledError"] });
  });

  it("fails the call with WorkflowNotFoundError for a path that is not a workflow", async () => {
    const flow = workflow(async () => taskFlow("math/double", {}).catch((error: Error) => error.name));
    const { ended } = drive(flow, undefined, [], new MemoryHost(), { resolver });
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: "WorkflowNotFoundError" });
  });
});

describe("patched", () => {
  const evolving = workflow(async () => {
    const path = patched("fee") ? "new" : "old";
    await task(path === "new" ? "fee" : "plain", () => 1);
    return path;
  });

  it("is true for a run reaching the change for the first time, and records a marker that takes no position", async () => {
    const { host } = drive(evolving, undefined);
    await atRest();
    expect(host.begun.map(({ key, kind, seq }) => ({ key, kind, seq }))).toEqual([
      { key: "patch:fee", kind: "patch", seq: 0 },
      { key: "fee#0", kind: "task", seq: 0 },
    ]);
  });

  it("is false for a run whose log already went past the change, and records nothing", async () => {
    const { host, execution, ended } = drive(evolving, undefined, [{ ...done("plain#0", "task", "plain", 0, 1), status: "running" }]);
    await atRest();
    expect(host.begun).toEqual([]);
    deliverTo(execution, "plain#0", { ok: true, value: 1 });
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: "old" });
  });

  it("stays true on replay once the marker is recorded", async () => {
    const log = [done("patch:fee", "patch", "fee", 0, true), done("fee#0", "task", "fee", 0, 1)];
    const { ended, host } = drive(evolving, undefined, log);
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: "new" });
    expect(host.begun).toEqual([]);
  });

  it("in a loop, answers each iteration as it was first answered", async () => {
    const looping = workflow(async () => {
      const paths: string[] = [];
      for (let i = 0; i < 3; i++) {
        const fresh = patched("v2");
        paths.push(fresh ? "new" : "old");
        await task(fresh ? "new" : "old", () => i);
      }
      return paths;
    });
    // Old code ran iteration 0; the deploy came while iteration 1's task was in flight.
    const log: LogEntry[] = [done("old#0", "task", "old", 0, 0), { ...done("old#1", "task", "old", 1, 1), status: "running" }];
    const first = drive(looping, undefined, log);
    await atRest();
    deliverTo(first.execution, "old#1", { ok: true, value: 1 });
    await atRest();
    expect(first.host.begun.map(({ key, seq }) => ({ key, seq }))).toEqual([
      { key: "patch:v2", seq: 2 },
      { key: "new#0", seq: 2 },
    ]);
    // Replaying the whole log again gives the same answers: old, old, new.
    const marker = done("patch:v2", "patch", "v2", 2, true);
    const replay = drive(looping, undefined, [...log.map((e) => ({ ...e, status: "completed" as const, result: e.seq })), marker, done("new#0", "task", "new", 2, 2)]);
    await atRest();
    expect(replay.ended()).toEqual({ status: "completed", output: ["old", "old", "new"] });
  });

  it("can be removed once no old run is left: a recorded marker shifts no keys", async () => {
    const cleaned = workflow(async () => {
      await task("fee", () => 1);
      return "new";
    });
    const { ended } = drive(cleaned, undefined, [done("patch:fee", "patch", "fee", 0, true), done("fee#0", "task", "fee", 0, 1)]);
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: "new" });
  });

  it("refuses ids it cannot use", async () => {
    const flow = workflow(async () => {
      try {
        patched("has space");
      } catch (error) {
        return (error as Error).name;
      }
    });
    const { ended } = drive(flow, undefined);
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: "InvalidArgumentError" });
  });
});

describe("runClosure cancel", () => {
  it("aborts the closure's signal and ends with the closure's own outcome when it stops", async () => {
    const cancel = new AbortController();
    let seen: unknown;
    const outcome = runClosure(
      ({ signal }) =>
        new Promise((resolve) => {
          signal.addEventListener("abort", () => {
            seen = signal.reason;
            resolve("stopped");
          });
        }),
      "k#0",
      1,
      60,
      cancel.signal,
    );
    cancel.abort(new Error("run cancelled"));
    expect(await outcome).toEqual({ ok: true, value: "stopped" });
    expect((seen as Error).message).toBe("run cancelled");
  });

  it("does not start a closure whose attempt was cancelled already", async () => {
    const cancel = new AbortController();
    cancel.abort(new Error("gone"));
    let ran = false;
    const outcome = await runClosure(() => (ran = true), "k#0", 1, 60, cancel.signal);
    expect(outcome).toMatchObject({ ok: false, error: { name: "Error", message: "gone" } });
    expect(ran).toBe(false);
  });
});

describe("a deploy that removes a script or a child workflow", () => {
  it("never fails a run that already passed those steps, or waits on them", async () => {
    const flow = workflow(async () => {
      const doubled = await taskScript<number>("math/double", { n: 2 });
      const child = await taskFlow<string>("child", {});
      const pending = await taskFlow<string>("child", { again: true });
      return { doubled, child, pending };
    });
    const gone: Resolver = { script: () => undefined, isWorkflow: () => false };
    const log: LogEntry[] = [
      done("math%2Fdouble#0", "task", "math/double", 0, 4, "", 1),
      done("child#0", "flow", "child", 1, "child done", "", 2),
      { ...done("child#1", "flow", "child", 2, undefined), status: "running" },
    ];
    const run = drive(flow, undefined, log, new MemoryHost(), { resolver: gone });
    await atRest();
    // The open child is waited for, not refused; nothing is begun again.
    expect(run.ended()).toBeUndefined();
    expect(run.host.begun).toEqual([]);
    deliverTo(run.execution, "child#1", { ok: true, value: "late" });
    await atRest();
    expect(run.ended()).toEqual({ status: "completed", output: { doubled: 4, child: "child done", pending: "late" } });
  });
});
