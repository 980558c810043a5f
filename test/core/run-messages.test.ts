// Runs that talk to runs in memory: currentRun(), sendEvent() and taskFlow's `start`.
import { describe, expect, it } from "vitest";
import { currentRun, EventNotDeliveredError, InvalidArgumentError, OutsideRunError, sendEvent, sleep, step, task, taskFlow, waitForEvent, workflow, type RunInfo } from "baton-workflows";
import { runLocally } from "baton-workflows/testing";
import type { NewCall } from "../../sdk/core/execution.ts";
import { RunMachine } from "../../sdk/core/run-machine/run-machine.ts";
import { MemorySteps } from "../../sdk/testing/memory-steps.ts";

/** A child that tells its parent it is done, with what it knows of itself. */
const notifier = workflow(async (input: { n: number }) => {
  const me = currentRun();
  if (me.parentId === null) throw new Error("no parent");
  const sent = await sendEvent(me.parentId, "done", { doubled: input.n * 2, child: me.id });
  return sent;
});

const parent = workflow(async (input: { n: number }) => {
  const { runId } = await taskFlow("notifier", input, { start: true });
  const event = await waitForEvent<{ doubled: number; child: string }>("done", { timeout: "1 hour" });
  return { runId, event, me: currentRun().id };
});

describe("runs that talk to runs (runLocally)", () => {
  it("a started child notifies its parent, which completes with the payload", async () => {
    for (const replayEveryStep of [false, true]) {
      const run = await runLocally(parent, { n: 21 }, { flows: { notifier }, replayEveryStep });
      expect(run.status).toBe("completed");
      const output = run.output as { runId: string; event: { doubled: number; child: string }; me: string };
      expect(output.runId).toBe(run.children[0]?.id);
      expect(output.event).toEqual({ doubled: 42, child: output.runId });
      expect(output.me).toBe(run.id);
      expect(run.children[0]?.parentId).toBe(run.id);
      // The flow step answered the id at once; the send is a step of its own in the child.
      expect(run.steps.find((s) => s.kind === "flow")).toMatchObject({ status: "completed", output: { runId: output.runId } });
      const send = run.children[0]?.steps.find((s) => s.kind === "send");
      expect(send).toMatchObject({ key: "send#0", status: "completed" });
    }
  });

  it("answers the wait it settled, or null when the event was kept", async () => {
    const early = workflow(async () => {
      const me = currentRun();
      return sendEvent(me.parentId ?? "", "go", 1);
    });
    const waits = workflow(async () => {
      await taskFlow("early", null, { start: true });
      await step("later", () => 1);
      const kept = await waitForEvent("go");
      return kept;
    });
    const run = await runLocally(waits, null, { flows: { early } });
    expect(run.output).toBe(1);
    expect(run.children[0]?.steps.find((s) => s.kind === "send")?.output).toEqual({ deliveredTo: null });
    // A child that sends once its parent waits: the send settles the wait.
    const late = workflow(async () => {
      await sleep("a while", 60);
      return sendEvent(currentRun().parentId ?? "", "go", 2);
    });
    const direct = await runLocally(waits, null, { flows: { early: late } });
    expect(direct.output).toBe(2);
    expect(direct.children[0]?.steps.find((s) => s.kind === "send")?.output).toEqual({ deliveredTo: "go#0" });
  });

  it("rejects with EventNotDeliveredError for a run that does not exist, which the body catches", async () => {
    const flow = workflow(async () => {
      try {
        await sendEvent("no-such-run", "done", { x: 1 });
        return "sent";
      } catch (error) {
        const e = error as EventNotDeliveredError;
        return { isClass: error instanceof EventNotDeliveredError, runId: e.runId, reason: e.reason, name: e.name };
      }
    });
    for (const replayEveryStep of [false, true]) {
      const run = await runLocally(flow, null, { replayEveryStep });
      expect(run.output).toEqual({ isClass: true, runId: "no-such-run", reason: "run_not_found", name: "EventNotDeliveredError" });
    }
  });

  it("checks its arguments where the body calls it", async () => {
    const flow = workflow(async () => {
      const messages: string[] = [];
      for (const call of [() => sendEvent("a/b", "x"), () => sendEvent("ok", "bad name"), () => sendEvent("ok", "x", { when: () => 1 })]) {
        try {
          await call();
        } catch (error) {
          messages.push(`${(error as Error).name}: ${error instanceof InvalidArgumentError}`);
        }
      }
      return messages;
    });
    const run = await runLocally(flow, null);
    expect(run.output).toEqual(["InvalidArgumentError: true", "InvalidArgumentError: true", "InvalidArgumentError: true"]);
  });

  it("currentRun() gives the run's facts, the same on every replay", async () => {
    const seen: RunInfo[] = [];
    const flow = workflow(async () => {
      seen.push(currentRun());
      await step("one", () => 1);
      seen.push(currentRun());
      const info = currentRun();
      return { ...info, startedAt: info.startedAt.toISOString() };
    });
    const run = await runLocally(flow, null, { replayEveryStep: true, name: "reports/build", startAt: new Date("2026-01-02T03:04:05Z") });
    expect(run.output).toEqual({ id: run.id, workflow: "reports/build", parentId: null, restartOf: null, attempt: 1, startedAt: "2026-01-02T03:04:05.000Z" });
    // Replayed several times: every call answered alike.
    expect(seen.length).toBeGreaterThan(2);
    for (const info of seen) expect({ ...info, startedAt: info.startedAt.getTime() }).toEqual({ ...seen[0], startedAt: Date.parse("2026-01-02T03:04:05Z") });
  });

  it("a task's closure, run from a mirror or a task replay, captures what the body's currentRun() gave", async () => {
    const flow = workflow(async () => {
      const me = currentRun();
      const seen = await task("who", () => ({ id: me.id, workflow: me.workflow, parentId: me.parentId, restartOf: me.restartOf, attempt: me.attempt, startedAt: me.startedAt.getTime() }));
      return { seen, body: { ...me, startedAt: me.startedAt.getTime() } };
    });
    for (const replayEveryStep of [false, true]) {
      const run = await runLocally(flow, null, { replayEveryStep, name: "who" });
      const output = run.output as { seen: unknown; body: unknown };
      expect(output.seen).toEqual(output.body);
      expect(output.seen).toMatchObject({ id: run.id, workflow: "who", parentId: null });
    }
  });

  it("currentRun() refuses outside a run and inside a closure", async () => {
    expect(() => currentRun()).toThrow(OutsideRunError);
    const flow = workflow(async () => step("inside", () => {
      try {
        currentRun();
        return "no error";
      } catch (error) {
        return (error as Error).name;
      }
    }));
    expect((await runLocally(flow, null)).output).toBe("InvalidArgumentError");
  });

  it("taskFlow start takes no timeout or signal", async () => {
    const flow = workflow(async () => {
      try {
        await taskFlow("notifier", {}, { start: true, timeout: 5 });
      } catch (error) {
        return (error as Error).name;
      }
      return "no error";
    });
    expect((await runLocally(flow, null, { flows: { notifier } })).output).toBe("InvalidArgumentError");
  });
});

describe("the run machine's sends and started children", () => {
  const call = (over: Partial<NewCall>): NewCall => ({ key: "k#0", branch: "", seq: 0, kind: "send", name: "send", attempt: 1, ...over });

  it("a send asks its host to deliver it, and settles once with the target's answer", () => {
    const machine = new RunMachine(new MemorySteps());
    const effects = machine.begin(call({ key: "send#0", send: { runId: "r1", name: "done", payload: { n: 1 } } }), 1000, () => "unused");
    expect(effects).toEqual([{ kind: "send-event", key: "send#0", runId: "r1", name: "done", payload: { n: 1 } }]);
    expect(machine.step("send#0")).toMatchObject({ kind: "send", status: "running", deadline: null });
    expect(machine.sent("send#0", { ok: true, value: { deliveredTo: null } }, 2000)).toMatchObject({ key: "send#0", delivery: 1 });
    // A repeated answer (a signal delivered twice) changes nothing.
    expect(machine.sent("send#0", { ok: true, value: { deliveredTo: "x" } }, 3000)).toBeNull();
    expect(machine.step("send#0")).toMatchObject({ status: "completed", result: { deliveredTo: null } });
  });

  it("a started child's flow step is answered with its id at once; its end and the parent's end then change nothing", () => {
    const machine = new RunMachine(new MemorySteps());
    const effects = machine.begin(call({ key: "child#0", kind: "flow", name: "child", flow: { path: "child", input: 1, start: true } }), 1000, () => "c1");
    expect(effects.map((effect) => effect.kind)).toEqual(["start-child", "deliver"]);
    expect(machine.step("child#0")).toMatchObject({ status: "completed", result: { runId: "c1" } });
    expect(machine.childEnded("child#0", "c1", { status: "completed", output: 2 }, 2000)).toBeNull();
    expect(machine.end(3000)).toEqual([]);
  });
});
