// Saga rollback on runLocally (both settings): a failed run's completed steps are
// compensated newest first, each rollback a step of its own with its retries; a
// rollback that keeps failing does not stop the others; parallel branches; a cancel
// with rollback; and the author API's checks.
import { describe, expect, it } from "vitest";
import { CancelledError, FatalError, InvalidArgumentError, parallel, sleep, step, task, workflow, type RollbackArgs } from "baton-workflows";
import { runLocally, type LocalRun } from "baton-workflows/testing";

const rows = (run: LocalRun): [string, string, string][] => run.steps.map((step) => [step.key, step.name, step.status]);

/** A booking saga: flight, hotel, car; the car fails (FatalError: no retries), or not with `carWorks`. */
function bookingSaga(undone: string[], options: { carWorks?: boolean } = {}) {
  return workflow(async () => {
    const flight = await task("book-flight", () => ({ ref: "F1" }), {
      rollback: ({ output, error }: RollbackArgs<{ ref: string }>) => {
        undone.push(`flight ${output.ref} (${error.message})`);
        return "flight refunded";
      },
    });
    const hotel = await step("book-hotel", () => ({ ref: "H1" }), {
      rollback: ({ output, ctx }) => {
        undone.push(`hotel ${output.ref} as ${ctx.key} for ${ctx.step.key}`);
        return "hotel cancelled";
      },
    });
    await task("note", () => "no rollback here");
    const car = await task("book-car", () => {
      if (!options.carWorks) throw new FatalError("no cars left");
      return { ref: "C1" };
    }, { rollback: () => undone.push("car") });
    return { flight, hotel, car };
  });
}

describe.each([false, true])("saga rollback in memory (replayEveryStep %s)", (replayEveryStep) => {
  it("runs the two rollbacks of a failed booking saga newest first and ends failed with the original error", async () => {
    const undone: string[] = [];
    const run = await runLocally(bookingSaga(undone), undefined, { replayEveryStep });
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "FatalError", message: "no cars left" });
    expect(run.error?.fields).toBeUndefined();
    expect(rows(run)).toEqual([
      ["book-flight#0", "book-flight", "completed"],
      ["book-hotel#0", "book-hotel", "completed"],
      ["note#0", "note", "completed"],
      ["book-car#0", "book-car", "failed"],
      ["rollback/book-hotel#0", "rollback:book-hotel", "completed"],
      ["rollback/book-flight#0", "rollback:book-flight", "completed"],
    ]);
    // Each rollback is the same kind as the step it undoes, and keeps its result.
    expect(run.steps.slice(4).map((step) => [step.kind, step.output])).toEqual([["step", "hotel cancelled"], ["task", "flight refunded"]]);
    // replayEveryStep replays the closures' steps too, but each rollback's closure ran once per attempt.
    expect(undone).toEqual(["hotel H1 as rollback/book-hotel#0 for book-hotel#0", "flight F1 (no cars left)"]);
  });

  it("runs no rollback when the run completes", async () => {
    const undone: string[] = [];
    const run = await runLocally(bookingSaga(undone, { carWorks: true }), undefined, { replayEveryStep });
    expect(run.status).toBe("completed");
    expect(undone).toEqual([]);
    expect(run.steps.map((step) => step.key)).toEqual(["book-flight#0", "book-hotel#0", "note#0", "book-car#0"]);
  });

  it("retries a rollback that fails once, per the step's own retry options", async () => {
    let tries = 0;
    const flow = workflow(async () => {
      await task("charge", () => "ch_1", {
        retries: { limit: 2, delay: "10 seconds", backoff: "constant" },
        rollback: ({ output }) => {
          tries += 1;
          if (tries === 1) throw new Error("refund API down");
          return `refunded ${String(output)}`;
        },
      });
      throw new Error("shipping failed");
    });
    const run = await runLocally(flow, undefined, { replayEveryStep });
    expect(run.status).toBe("failed");
    expect(run.error?.message).toBe("shipping failed");
    const rollback = run.steps.find((step) => step.key === "rollback/charge#0");
    expect(rollback).toMatchObject({ status: "completed", attempts: 2, output: "refunded ch_1" });
    expect(tries).toBe(2);
  });

  it("keeps going when a rollback fails after its retries, and lists it in the run's error", async () => {
    const undone: string[] = [];
    const flow = workflow(async () => {
      await task("a", () => 1, { rollback: () => undone.push("a") });
      await task("b", () => 2, { rollback: { fn: () => { throw new Error("b cannot be undone"); }, retries: { limit: 1, delay: 1 } } });
      await task("c", () => 3, { rollback: () => undone.push("c") });
      throw new FatalError("d failed");
    });
    const run = await runLocally(flow, undefined, { replayEveryStep });
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "FatalError", message: "d failed", fields: { rollbackFailures: [{ key: "rollback/b#0", name: "Error", message: "b cannot be undone" }] } });
    expect(undone).toEqual(["c", "a"]);
    expect(run.steps.filter((step) => step.key.startsWith("rollback/")).map((step) => [step.key, step.status, step.attempts])).toEqual([
      ["rollback/c#0", "completed", 1],
      ["rollback/b#0", "failed", 2],
      ["rollback/a#0", "completed", 1],
    ]);
  });

  it("rolls back the completed steps of parallel branches in the order they completed, and gives up the branch still open", async () => {
    const undone: string[] = [];
    const flow = workflow(async () => {
      await parallel(["slow", "fast", "fails", "open"], async (item) => {
        if (item === "slow") await sleep("2 minutes");
        if (item === "fails") {
          await sleep("3 minutes");
          throw new FatalError(`${item} failed`);
        }
        if (item === "open") await sleep("1 hour");
        return task("reserve", () => item, { rollback: ({ output }) => undone.push(String(output)) });
      });
    });
    const run = await runLocally(flow, undefined, { replayEveryStep });
    expect(run.status).toBe("failed");
    expect(run.error?.message).toBe("fails failed");
    // fast completed first, slow second: slow is rolled back first.
    expect(undone).toEqual(["slow", "fast"]);
    const status = Object.fromEntries(run.steps.map((step) => [step.key, step.status]));
    expect(status).toMatchObject({ "parallel#0[0]/reserve#0": "completed", "parallel#0[1]/reserve#0": "completed", "parallel#0[3]/sleep#0": "cancelled" });
    expect(run.steps.filter((step) => step.key.startsWith("rollback/")).map((step) => step.key)).toEqual(["rollback/parallel#0[0]/reserve#0", "rollback/parallel#0[1]/reserve#0"]);
  });

  it("on a cancel with rollback, runs the rollbacks of what completed and ends cancelled", async () => {
    const undone: string[] = [];
    const flow = workflow(async () => {
      await task("reserve", () => "seat 4A", { rollback: ({ output, error }) => undone.push(`${String(output)}: ${error.name}`) });
      await task("plain", () => "kept");
      await sleep("wait for payment", "1 day");
      return "paid";
    });
    const run = await runLocally(flow, undefined, { replayEveryStep, cancels: [{ after: "1 hour", rollback: true }] });
    expect(run.status).toBe("cancelled");
    expect(undone).toEqual(["seat 4A: CancelledError"]);
    expect(rows(run)).toEqual([
      ["reserve#0", "reserve", "completed"],
      ["plain#0", "plain", "completed"],
      ["wait for payment#0", "wait for payment", "cancelled"],
      ["rollback/reserve#0", "rollback:reserve", "completed"],
    ]);
  });

  it("runs no rollback on a cancel without it", async () => {
    const undone: string[] = [];
    const flow = workflow(async () => {
      await task("reserve", () => "seat 4A", { rollback: () => undone.push("seat") });
      await sleep("1 day");
    });
    const run = await runLocally(flow, undefined, { replayEveryStep, cancels: [{ after: "1 hour" }] });
    expect(run.status).toBe("cancelled");
    expect(undone).toEqual([]);
    expect(run.steps.map((step) => step.key)).toEqual(["reserve#0", "sleep#0"]);
  });
});

describe("rollback options", () => {
  it("refuses a rollback that is neither a function nor { fn, ... }, and unknown rollback options", async () => {
    const flow = (rollback: unknown) => workflow(async () => task("t", () => 1, { rollback } as never));
    for (const [rollback, message] of [
      ["undo", /task\(\) rollback must be a function/],
      [{ retries: { limit: 1 } }, /task\(\) rollback must be a function/],
      [{ fn: () => 1, cacheTtl: 5 }, /task\(\) rollback has no option "cacheTtl"/],
      [{ fn: () => 1, retries: { limit: -1 } }, /rollback of task\(\) retries.limit must be an integer/],
    ] as const) {
      const run = await runLocally(flow(rollback), undefined);
      expect(run.status).toBe("failed");
      expect(run.error?.name).toBe(InvalidArgumentError.name);
      expect(run.error?.message).toMatch(message);
    }
  });

  it("takes rollback on step() beside retries and timeout", async () => {
    const flow = workflow(async () => {
      await step("s", () => 1, { retries: { limit: 0 }, timeout: 5, rollback: { fn: () => "undone", timeout: 2 } });
      throw new CancelledError("stop");
    });
    const run = await runLocally(flow, undefined);
    expect(run.status).toBe("failed");
    expect(run.steps.map((step) => [step.key, step.status, step.output])).toEqual([["s#0", "completed", 1], ["rollback/s#0", "completed", "undone"]]);
  });
});
