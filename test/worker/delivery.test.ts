// Queues deliver at least once and may lose messages; the run object accepts one
// report per (key, attempt) and re-sends what never reported.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../worker.ts";
import { getRun, hits, runStub, startRun, waitForRun } from "./helpers.ts";
import type { TaskMessage } from "../../src/tasks/messages.ts";

/** Starts a run whose first `lost` task messages are lost on the way to the queue (the run object's test control drops them). */
async function startWithLostMessages(workflow: string, input: unknown, lost = 1): Promise<string> {
  const id = crypto.randomUUID();
  const stub = runStub(id);
  await stub.control().loseTaskMessages(lost);
  await stub.start({ id, workflow, input: input as never, idempotencyKey: null, origin: null });
  await waitForRun(id, (run) => run.steps.length > 0);
  return id;
}

/** Delivers messages to the Worker's queue handler as the queue would, returning what it acked. */
async function deliver(messages: TaskMessage[], queue = "baton-tasks", bindings: Cloudflare.Env = env): Promise<{ acked: string[]; retried: string[] }> {
  const batch = createMessageBatch<TaskMessage>(
    queue,
    messages.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: Date.now(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, bindings);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks, retried: result.retryMessages.map((m) => m.msgId) };
}

describe("delivery", () => {
  it("ignores a duplicated report: the first accepted result stands", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("counted", { tag });
    const run = await waitForRun(id);
    const duplicate = await runStub(id).report({ key: "a#0", attempt: 1, result: 999 });
    expect(duplicate).toEqual({ accepted: false });
    const after = await getRun(id);
    expect(after.output).toEqual({ total: 10 });
    expect(after.steps).toEqual(run.steps);
  });

  it("ignores a report from a stale attempt and one for a key it never dispatched", async () => {
    const id = await startWithLostMessages("counted", { tag: crypto.randomUUID() });
    const stub = runStub(id);
    expect(await stub.report({ key: "a#0", attempt: 2, result: 5 })).toEqual({ accepted: false });
    expect(await stub.report({ key: "nope#0", attempt: 1, result: 5 })).toEqual({ accepted: false });
    expect((await getRun(id)).steps).toMatchObject([{ key: "a#0", status: "running", attempts: 1 }]);
  });

  it("accepts a report once even when it comes twice in one batch of reports", async () => {
    const id = await startWithLostMessages("counted", { tag: crypto.randomUUID(), pause: 3600 });
    const accepted = await runStub(id).reportMany([
      { key: "a#0", attempt: 1, result: 1 },
      { key: "a#0", attempt: 1, result: 2 },
      { key: "zzz#0", attempt: 1, result: 3 },
    ]);
    expect(accepted).toEqual([true, false, false]);
    const run = await waitForRun(id, (r) => r.status === "sleeping");
    expect(run.steps.find((s) => s.key === "a#0")).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("answers a consumer holding only stale attempts without moving its cursor past changes it did not get", async () => {
    const id = await startWithLostMessages("counted", { tag: crypto.randomUUID(), pause: 3600 });
    const stale = JSON.parse((await runStub(id).taskContext([{ key: "a#0", attempt: 7 }], 0)) ?? "null") as { log: unknown[]; cursor: number; wanted: boolean[] };
    expect(stale).toMatchObject({ log: [], cursor: 0, wanted: [false] });
    const live = JSON.parse((await runStub(id).taskContext([{ key: "a#0", attempt: 1 }], 0)) ?? "null") as { log: { key: string }[]; cursor: number; wanted: boolean[] };
    expect(live.wanted).toEqual([true]);
    expect(live.log.map((e) => e.key)).toEqual(["a#0"]);
    expect(live.cursor).toBeGreaterThan(0);
  });

  it("runs a message delivered twice once: the second delivery finds the task settled and is acked", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag, pause: 3600 });
    const message = { runId: id, key: "a#0", attempt: 1 };
    const first = await deliver([message]);
    expect(first.acked).toHaveLength(1);
    const second = await deliver([message]);
    expect(second.acked).toHaveLength(1);
    expect(await hits(`${tag}:a`)).toBe(1);
    const run = await waitForRun(id, (r) => r.status === "sleeping");
    expect(run.steps.find((s) => s.key === "a#0")).toMatchObject({ status: "completed", attempts: 1 });
    expect(await hits(`${tag}:b`)).toBe(1);
  });

  it("accepts one report when the same message is delivered twice at once; the run moves on once", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag, pause: 3600 });
    const message = { runId: id, key: "a#0", attempt: 1 };
    await Promise.all([deliver([message]), deliver([message])]);
    const run = await waitForRun(id, (r) => r.status === "sleeping");
    expect(run.steps.map((s) => [s.key, s.status, s.attempts])).toEqual([
      ["a#0", "completed", 1],
      ["b#0", "completed", 1],
      ["s#0", "completed", 1],
      ["sleep#0", "sleeping", 1],
    ]);
    expect(await hits(`${tag}:b`)).toBe(1);
  });

  it("re-sends a task whose message was lost once its deadline passes, as a new attempt", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag });
    expect(await hits(`${tag}:a`)).toBe(0);
    // Stand in for ten minutes passing: the task's deadline comes, then its retry's wait.
    expect(await runStub(id).control().skipWait("a#0")).toEqual(["a#0"]);
    expect((await getRun(id)).steps[0]).toMatchObject({ key: "a#0", status: "retrying", attempts: 1, error: { name: "TaskTimeoutError" } });
    expect(await runStub(id).control().skipWait("a#0")).toEqual(["a#0"]);
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.steps[0]).toMatchObject({ key: "a#0", status: "completed", attempts: 2 });
    expect(await hits(`${tag}:a`)).toBe(1);
  });

  it("drops a late report from the attempt the watchdog replaced", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag, pause: 3600 });
    const stub = runStub(id);
    await stub.control().skipWait("a#0");
    await stub.control().skipWait("a#0");
    await waitForRun(id, (r) => r.status === "sleeping");
    expect(await stub.report({ key: "a#0", attempt: 1, result: 1000 })).toEqual({ accepted: false });
    expect((await getRun(id)).steps[0]).toMatchObject({ key: "a#0", status: "completed", attempts: 2 });
  });

  it("fails the task with TaskTimeoutError when all 6 attempts (5 retries) are lost", async () => {
    // Every message of this run is lost, re-sends too.
    const id = await startWithLostMessages("counted", { tag: crypto.randomUUID() }, 6);
    const control = runStub(id).control();
    for (let attempt = 1; attempt <= 6; attempt++) {
      // Stand in for time passing: the attempt's deadline, then (but after the last) its retry delay.
      expect(await control.skipWait("a#0")).toEqual(["a#0"]);
      if (attempt === 6) break;
      expect((await getRun(id)).steps[0]).toMatchObject({ key: "a#0", status: "retrying", attempts: attempt, error: { name: "TaskTimeoutError" } });
      expect(await control.skipWait("a#0")).toEqual(["a#0"]);
    }
    const run = await waitForRun(id);
    expect(run.status).toBe("failed");
    expect(run.error?.name).toBe("TaskTimeoutError");
    expect(run.steps[0]).toMatchObject({ key: "a#0", status: "failed", attempts: 6 });
  });

  it("fails an attempt whose message reached the dead-letter queue, and retries it per policy", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag });
    const dead = await deliver([{ runId: id, key: "a#0", attempt: 1 }], "baton-tasks-dlq");
    expect(dead.acked).toHaveLength(1);
    expect((await getRun(id)).steps[0]).toMatchObject({ key: "a#0", status: "retrying", attempts: 1, error: { name: "TaskDeliveryError" } });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.steps[0]).toMatchObject({ key: "a#0", status: "completed", attempts: 2 });
    expect(await hits(`${tag}:a`)).toBe(1);
  });

  it("has the queue retry a message whose consumer failed before reporting, and runs it on redelivery (fake: the report call fails)", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag, pause: 3600 });
    const message = { runId: id, key: "a#0", attempt: 1 };
    // Run objects reached normally, except that reporting throws, as when the consumer dies at that point.
    const crashing = {
      ...env,
      RUNS: {
        idFromName: (name: string) => env.RUNS.idFromName(name),
        get: (objectId: DurableObjectId) => {
          const real = env.RUNS.get(objectId);
          return {
            taskContext: (tasks: { key: string; attempt: number }[], since?: number) => real.taskContext(tasks, since),
            reportMany: async () => {
              throw new Error("consumer crashed before reporting");
            },
          };
        },
      },
    } as unknown as Cloudflare.Env;
    const first = await deliver([message], "baton-tasks", crashing);
    expect(first.retried).toHaveLength(1);
    expect(first.acked).toHaveLength(0);
    expect((await getRun(id)).steps[0]).toMatchObject({ key: "a#0", status: "running", attempts: 1 });
    const again = await deliver([message]);
    expect(again.acked).toHaveLength(1);
    const run = await waitForRun(id, (r) => r.status === "sleeping");
    expect(run.steps[0]).toMatchObject({ key: "a#0", status: "completed", attempts: 1 });
    // At least once: the closure ran on both deliveries; the run took one result.
    expect(await hits(`${tag}:a`)).toBe(2);
    expect(await hits(`${tag}:b`)).toBe(1);
  });

  it("acks a malformed message instead of retrying it forever", async () => {
    const result = await deliver([{ runId: "", key: "", attempt: 0 }]);
    expect(result.acked).toHaveLength(1);
    expect(result.retried).toHaveLength(0);
  });
});
