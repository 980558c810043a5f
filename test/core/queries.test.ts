// setState and defineQuery on runLocally: the state the body published last, and
// queries sent at virtual times answered from the body's state at rest, recording nothing.
import { describe, expect, it } from "vitest";
import { runLocally } from "baton-workflows/testing";
import { defineQuery, OutsideRunError, setState, step, workflow } from "baton-workflows";
import counter from "../workflows/counter.ts";

const START = Date.parse("2026-11-30T00:00:00Z");

describe("published state and queries", () => {
  it("answers queries mid-run from the body's current state and shows the last state set", async () => {
    const run = await runLocally(counter, { tasks: 3 }, {
      startAt: START,
      events: [{ name: "finish", payload: { add: 10 }, after: "1 hour" }],
      queries: [
        { name: "count", after: "10 minutes" },
        { name: "plus", arg: 5, after: "20 minutes" },
        { name: "phase", after: "30 minutes" },
        { name: "count", after: "2 hours" },
      ],
    });
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ count: 13 });
    expect(run.state).toEqual({ count: 13, phase: "done" });
    expect(run.queries).toEqual([
      { name: "count", at: new Date(START + 600_000).toISOString(), result: 3 },
      { name: "plus", at: new Date(START + 1_200_000).toISOString(), result: 8 },
      { name: "phase", at: new Date(START + 1_800_000).toISOString(), result: { phase: "waiting", count: 3, redefined: true } },
    ]);
    // Nothing was recorded for the state or the queries: the steps are the tasks and the wait.
    expect(run.steps.map((s) => s.key)).toEqual(["one#0", "one#1", "one#2", "finish#0"]);
  });

  it("answers the same under replayEveryStep", async () => {
    const run = await runLocally(counter, { tasks: 2 }, { replayEveryStep: true, events: [{ name: "finish", payload: { add: 1 }, after: 60 }], queries: [{ name: "count", after: 30 }] });
    expect(run.state).toEqual({ count: 3, phase: "done" });
    expect(run.queries).toMatchObject([{ name: "count", result: 2 }]);
  });

  it("refuses unknown, throwing, primitive-calling and asynchronous queries, and the run goes on", async () => {
    const run = await runLocally(counter, { tasks: 1 }, {
      events: [{ name: "finish", payload: { add: 0 }, after: 60 }],
      queries: ["nope", "broken", "sneaky", "later"].map((name) => ({ name, after: 30 })),
    });
    expect(run.status).toBe("completed");
    const errors = run.queries.map((answer) => ("error" in answer ? answer.error : answer));
    expect(errors[0]).toMatchObject({ code: "query_not_found", message: expect.stringContaining("it has defined: broken, count, later, phase, plus, sneaky") });
    expect(errors[1]).toMatchObject({ code: "query_failed", message: 'query "broken" threw Error: no answer today' });
    expect(errors[2]).toMatchObject({ code: "query_failed", message: expect.stringContaining("queries must be synchronous and may not call primitives") });
    expect(errors[3]).toMatchObject({ code: "query_failed", message: expect.stringContaining("returned a promise") });
  });

  it("refuses a state over 64 KiB in the body at the call, keeping the one before", async () => {
    const run = await runLocally(counter, { tasks: 0, big: true }, { events: [{ name: "finish", payload: { add: 0 } }], queries: [] });
    expect(run.status).toBe("completed");
    expect(run.state).toEqual({ count: 0, phase: "done" });
    const refusing = workflow(async () => {
      setState({ ok: 1 });
      try {
        setState("x".repeat(70_000));
      } catch (error) {
        return String(error);
      }
      return "kept";
    });
    const refused = await runLocally(refusing, undefined);
    expect(refused.output).toMatch(/^SerializationError: setState\(\)'s value is 70002 bytes of JSON, over the 65536-byte limit/);
    expect(refused.state).toEqual({ ok: 1 });
  });

  it("has no state when the body never sets one, and refuses setState in a closure or outside a run", async () => {
    const plain = await runLocally(workflow(async () => 1), undefined);
    expect(plain.state).toBeNull();
    expect(plain.queries).toEqual([]);
    const inClosure = await runLocally(workflow(async () => step(async () => setState(1))), undefined);
    expect(inClosure.error).toMatchObject({ name: "InvalidArgumentError", message: expect.stringContaining("setState() cannot be called inside a task or step closure") });
    expect(() => setState(1)).toThrow(OutsideRunError);
    expect(() => defineQuery("x", () => 1)).toThrow(OutsideRunError);
    const badName = await runLocally(workflow(async () => defineQuery("has space", () => 1)), undefined);
    expect(badName.error).toMatchObject({ name: "InvalidArgumentError" });
  });
});
