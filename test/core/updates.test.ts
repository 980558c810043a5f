// defineUpdate on runLocally: updates sent at virtual times change the body's state at
// a recorded point, answer with the handler's result, and are refused (nothing recorded)
// when the body has not defined them or their validator says no.
import { describe, expect, it } from "vitest";
import { runLocally } from "baton-workflows/testing";
import { defineUpdate, OutsideRunError, workflow } from "baton-workflows";
import ledger from "../workflows/ledger.ts";

const START = Date.parse("2026-11-30T00:00:00Z");
const at = (seconds: number): string => new Date(START + seconds * 1000).toISOString();

describe("updates under runLocally", () => {
  it("changes the body's state, answers the new value, and the body's later code sees it", async () => {
    const run = await runLocally(ledger, { start: 5 }, {
      startAt: START,
      updates: [
        { name: "add", arg: 10, after: 60 },
        { name: "add", arg: 2, after: 120 },
      ],
      queries: [{ name: "balance", after: 90 }],
      events: [
        { name: "next", payload: { add: 100 }, after: 600 },
        { name: "finish", after: 1200 },
      ],
    });
    expect(run.status).toBe("completed");
    expect(run.updates).toEqual([
      { name: "add", at: at(60), updateId: "update-1", result: { balance: 15 } },
      { name: "add", at: at(120), updateId: "update-2", result: { balance: 17 } },
    ]);
    expect(run.queries).toEqual([{ name: "balance", at: at(90), result: 15 }]);
    expect(run.output).toEqual({ balance: 117, failures: 0, seen: [17, 234, 117] });
    expect(run.state).toEqual({ balance: 17 });
    // Each update is in the log, with its argument and answer.
    const updates = run.steps.filter((step) => step.kind === "update");
    expect(updates.map((step) => [step.key, step.name, step.output])).toEqual([
      ["update:update-1", "add", { name: "add", arg: 10, result: { balance: 15 } }],
      ["update:update-2", "add", { name: "add", arg: 2, result: { balance: 17 } }],
    ]);
  });

  it("applies the same under replayEveryStep: every replay hands each update over at its place", async () => {
    const options = {
      startAt: START,
      updates: [{ name: "add", arg: 3, after: 60 }, { name: "broken", after: 70 }, { name: "stamp", after: 80 }],
      events: [{ name: "next", payload: { add: 1 }, after: 600 }, { name: "finish", after: 1200 }],
    };
    const replayed = await runLocally(ledger, {}, { ...options, replayEveryStep: true });
    const live = await runLocally(ledger, {}, options);
    expect(replayed.output).toEqual({ balance: 4, failures: 1, seen: [3, 8, 4] });
    expect(replayed.output).toEqual(live.output);
    expect(replayed.updates).toEqual(live.updates);
    // The handler reads the body's clock: the time the update was recorded.
    expect(live.updates[2]).toMatchObject({ name: "stamp", result: START + 80_000 });
  });

  it("answers a throwing handler with update_failed (recorded; the run goes on) and refuses what it cannot apply", async () => {
    const run = await runLocally(ledger, {}, {
      startAt: START,
      updates: [
        { name: "broken", after: 10 },
        { name: "sneaky", after: 20 },
        { name: "nope", after: 30 },
        { name: "add", arg: "ten", after: 40 },
      ],
      events: [{ name: "next", payload: { add: 1 }, after: 600 }, { name: "finish", after: 1200 }],
    });
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ balance: 1, failures: 1, seen: [0, 2, 1] });
    expect(run.updates).toEqual([
      { name: "broken", at: at(10), updateId: "update-1", error: { code: "update_failed", message: 'update "broken" threw Error: no update today' } },
      { name: "sneaky", at: at(20), updateId: "update-2", error: { code: "update_failed", message: expect.stringContaining("update handlers must be synchronous and may not call primitives") as unknown } },
      { name: "nope", at: at(30), error: { code: "update_not_found", message: 'the run has defined no update "nope"; it has defined: add, broken, sneaky, stamp' } },
      { name: "add", at: at(40), error: { code: "update_rejected", message: 'update "add" was rejected by its validator: TypeError: add takes a number, got "ten"' } },
    ]);
    // Refused updates recorded nothing.
    expect(run.steps.filter((step) => step.kind === "update").map((step) => step.name)).toEqual(["broken", "sneaky"]);
  });

  it("refuses defineUpdate outside a body and with a bad name", async () => {
    expect(() => defineUpdate("x", () => 1)).toThrow(OutsideRunError);
    const bad = workflow(async () => {
      defineUpdate("has space", () => 1);
    });
    const run = await runLocally(bad, {});
    expect(run.error).toMatchObject({ name: "InvalidArgumentError", message: expect.stringContaining("defineUpdate() takes an update name") as unknown });
  });
});
