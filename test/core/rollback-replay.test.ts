// Saga rollback replayed from literal logs, as a consumer reaches a rollback's closure:
// task mode replays the body past its failure to the rollback's key, a mirror keeps
// the rollback's closure like any task's, the order follows the recorded deliveries
// (not the calls'), a sibling whose success was stored with the failure (one report
// batch) is compensated too, and a cancel row that asks for rollback is heard on replay.
import { describe, expect, it } from "vitest";
import { FatalError, task, workflow } from "baton-workflows";
import { RunMirror, runTaskByReplay, type LogEntry } from "baton-workflows/engine";
import { atRest, deliverTo, done, drive } from "./memory-host.ts";

const saga = workflow(async () => {
  const [flight, hotel] = await Promise.all([
    task("flight", () => "FL", { rollback: ({ output, error }) => `undo ${String(output)} (${error.message})` }),
    task("hotel", () => "HO", { rollback: ({ output, ctx }) => `undo ${String(output)} at ${ctx.key}, attempt ${ctx.attempt}` }),
  ]);
  await task("car", () => {
    throw new FatalError("no cars");
  });
  return [flight, hotel];
});

const failed = (key: string, seq: number, delivery: number): LogEntry => ({ key, branch: "", seq, kind: "task", name: key.slice(0, key.indexOf("#")), status: "failed", attempts: 1, error: { name: "FatalError", message: "no cars" }, delivery });
const rollbackRow = (of: string, seq: number, status: LogEntry["status"] = "running"): LogEntry => ({ key: `rollback/${of}`, branch: "rollback/", seq, kind: "task", name: `rollback:${of.slice(0, of.indexOf("#"))}`, status, attempts: 1 });

// The hotel completed before the flight (deliveries 1 and 2), though the flight was called first.
const base = [done("flight#0", "task", "flight", 0, "FL", "", 2), done("hotel#0", "task", "hotel", 1, "HO", "", 1), failed("car#0", 2, 3)];

describe("rollbacks replayed from the log", () => {
  it("task mode replays past the body's failure to the newest completion's rollback and runs only its closure", async () => {
    const outcome = await runTaskByReplay(saga.run, undefined, [...base, rollbackRow("flight#0", 0)], "rollback/flight#0", 1);
    expect(outcome).toEqual({ ok: true, value: "undo FL (no cars)" });
  });

  it("task mode reaches the second rollback once the first is recorded settled", async () => {
    const log = [...base, { ...rollbackRow("flight#0", 0, "completed"), result: "undone", delivery: 4 }, rollbackRow("hotel#0", 1)];
    const outcome = await runTaskByReplay(saga.run, undefined, log, "rollback/hotel#0", 2);
    expect(outcome).toEqual({ ok: true, value: "undo HO at rollback/hotel#0, attempt 2" });
  });

  it("a mirror keeps the rollback's closure, so a consumer reaches it without replaying", async () => {
    const mirror = new RunMirror(saga.run, undefined, base, 3);
    mirror.absorb([rollbackRow("flight#0", 0)], 4);
    expect(await mirror.run("rollback/flight#0", 1)).toEqual({ ok: true, value: "undo FL (no cars)" });
    // Not yet reached: the hotel's rollback comes after the flight's settles.
    expect(await mirror.run("rollback/hotel#0", 1)).toBeUndefined();
    mirror.absorb([{ ...rollbackRow("flight#0", 0, "completed"), result: "undone", delivery: 4 }, rollbackRow("hotel#0", 1)], 6);
    expect(await mirror.run("rollback/hotel#0", 1)).toEqual({ ok: true, value: "undo HO at rollback/hotel#0, attempt 1" });
  });

  it("a replay whose log holds the rollbacks in another order fails with NonDeterminismError", async () => {
    const outcome = await runTaskByReplay(saga.run, undefined, [...base, rollbackRow("hotel#0", 0)], "rollback/hotel#0", 1);
    expect(outcome).toMatchObject({ ok: false, error: { name: "NonDeterminismError" } });
  });

  it("hears a cancel row that asks for rollback, and one that does not", async () => {
    const sleeper = workflow(async () => {
      await task("seat", () => "4A", { rollback: ({ error }) => `freed (${error.name})` });
      await task("wait", () => "never");
    });
    const seat = done("seat#0", "task", "seat", 0, "4A", "", 1);
    const cancelled = (result: unknown): LogEntry => ({ key: "cancel#0", branch: "", seq: 0, kind: "cancel", name: "cancel", status: "completed", attempts: 1, result, delivery: 2 });
    const waiting: LogEntry = { key: "wait#0", branch: "", seq: 1, kind: "task", name: "wait", status: "cancelled", attempts: 1 };
    const withRollback = await runTaskByReplay(sleeper.run, undefined, [seat, waiting, cancelled({ rollback: true }), rollbackRow("seat#0", 0)], "rollback/seat#0", 1);
    expect(withRollback).toEqual({ ok: true, value: "freed (CancelledError)" });
    const without = await runTaskByReplay(sleeper.run, undefined, [seat, waiting, cancelled(undefined), rollbackRow("seat#0", 0)], "rollback/seat#0", 1);
    expect(without).toMatchObject({ ok: false, error: { name: "NonDeterminismError" } });
  });

  it("compensates a sibling whose success was stored together with the failure, newest first, in drive mode and on replay", async () => {
    const trio = workflow(async () => {
      await Promise.all([
        task("a", () => "A", { rollback: () => "undo A" }),
        task("b", () => "B"),
        task("c", () => "C", { rollback: ({ output }) => `undo ${String(output)}` }),
      ]);
    });
    const { execution, host } = drive(trio, undefined);
    await atRest();
    deliverTo(execution, "a#0", { ok: true, value: "A" });
    await atRest();
    // One report batch: b's failure and c's success stored in one event, b first.
    deliverTo(execution, "b#0", { ok: false, error: { name: "FatalError", message: "b broke" } });
    deliverTo(execution, "c#0", { ok: true, value: "C" });
    await atRest();
    expect(host.begun.filter((call) => call.branch === "rollback/").map((call) => [call.key, call.seq])).toEqual([["rollback/c#0", 0]]);
    const log: LogEntry[] = [done("a#0", "task", "a", 0, "A", "", 1), failed("b#0", 1, 2), done("c#0", "task", "c", 2, "C", "", 3), rollbackRow("c#0", 0)];
    expect(await runTaskByReplay(trio.run, undefined, log, "rollback/c#0", 1)).toEqual({ ok: true, value: "undo C" });
    const next = [...log.slice(0, 3), { ...rollbackRow("c#0", 0, "completed"), result: "undo C", delivery: 4 }, rollbackRow("a#0", 1)];
    expect(await runTaskByReplay(trio.run, undefined, next, "rollback/a#0", 1)).toEqual({ ok: true, value: "undo A" });
  });
});
