// Queues deliver at least once and may lose messages; the run object accepts one
// report per (key, attempt) and re-sends what never reported.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../worker.ts";
import { getRun, hits, runStub, startRun, waitForRun } from "./helpers.ts";
import type { TaskMessage } from "../../src/tasks/messages.ts";
import { MAX_RESENDS } from "baton-workflows/engine";

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
/** Delivers one batch to the consumer; `ids` gives messages the ids of earlier deliveries (the queue's redelivery of the same message). */
async function deliver(messages: TaskMessage[], queue = "baton-tasks", bindings: Cloudflare.Env = env, ids: string[] = []): Promise<{ acked: string[]; retried: string[] }> {
  const batch = createMessageBatch<TaskMessage>(
    queue,
    messages.map((body, i) => ({ id: ids[i] ?? `m${i}-${crypto.randomUUID()}`, timestamp: Date.now(), attempts: 1, body })),
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

  it("sends a task whose message was lost again once its heartbeat timeout passes: the same attempt, run once", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag });
    expect(await hits(`${tag}:a`)).toBe(0);
    // Stand in for 30 seconds passing with no consumer claiming the attempt.
    expect(await runStub(id).control().skipWait("a#0")).toEqual(["a#0"]);
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.steps[0]).toMatchObject({ key: "a#0", status: "completed", attempts: 1 });
    expect(run.steps[0]?.history).toBeUndefined();
    expect(await hits(`${tag}:a`)).toBe(1);
  });

  it("retries an attempt whose consumer died after claiming it, once its heartbeats stop, and drops the dead attempt's late report", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag, pause: 3600 });
    const stub = runStub(id);
    // A consumer takes the attempt, then dies: no heartbeat, no report.
    const claimed = JSON.parse((await stub.taskContext([{ key: "a#0", attempt: 1, claimant: "consumer-that-died" }], 0)) ?? "null") as { wanted: boolean[] };
    expect(claimed.wanted).toEqual([true]);
    // Stand in for the heartbeat timeout passing, then the retry's wait.
    await stub.control().skipWait("a#0");
    expect((await getRun(id)).steps[0]).toMatchObject({ key: "a#0", status: "retrying", attempts: 1, error: { name: "TaskTimeoutError", message: expect.stringContaining("no heartbeat") as string } });
    await stub.control().skipWait("a#0");
    const run = await waitForRun(id, (r) => r.status === "sleeping");
    expect(run.steps[0]).toMatchObject({ key: "a#0", status: "completed", attempts: 2 });
    expect(await stub.report({ key: "a#0", attempt: 1, result: 1000 })).toEqual({ accepted: false });
    expect(await hits(`${tag}:a`)).toBe(1);
  });

  it("runs an attempt once when two messages carry it (a re-send racing the original): the second is dropped before its closure runs", async () => {
    const tag = crypto.randomUUID();
    const id = await startWithLostMessages("counted", { tag, pause: 3600 });
    const message = { runId: id, key: "a#0", attempt: 1 };
    // In one batch, and in two batches at once.
    const [together, apart] = await Promise.all([deliver([message, message]), Promise.all([deliver([message]), deliver([message])])]);
    expect(together.acked).toHaveLength(2);
    expect(apart.flatMap((result) => result.acked)).toHaveLength(2);
    const run = await waitForRun(id, (r) => r.status === "sleeping");
    expect(run.steps[0]).toMatchObject({ key: "a#0", status: "completed", attempts: 1 });
    expect(await hits(`${tag}:a`)).toBe(1);
  });

  it("keeps a task running past its heartbeat timeout alive with the consumer's heartbeats", async () => {
    const id = await startRun("heartbeats", { seconds: 3 });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.steps[0]).toMatchObject({ key: "slow#0", status: "completed", attempts: 1 });
  });

  it("fails the attempt with TaskDeliveryError when no consumer ever takes it, after sending it again and again, and retries it per policy", async () => {
    // Every message of this run is lost, re-sends too.
    const id = await startWithLostMessages("counted", { tag: crypto.randomUUID() }, 1_000);
    const control = runStub(id).control();
    let skips = 0;
    for (; skips < 200; skips++) {
      const run = await getRun(id);
      if (run.status === "failed") break;
      await control.skipWait("a#0");
    }
    const run = await getRun(id);
    expect(run.status).toBe("failed");
    expect(run.error?.name).toBe("TaskDeliveryError");
    expect(run.steps[0]).toMatchObject({ key: "a#0", status: "failed", attempts: 6 });
    // Per attempt: the first send and MAX_RESENDS re-sends each wait out; between attempts, the retry's wait.
    expect(skips).toBe(6 * (MAX_RESENDS + 1) + 5);
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
    const messageId = crypto.randomUUID();
    const first = await deliver([message], "baton-tasks", crashing, [messageId]);
    expect(first.retried).toHaveLength(1);
    expect(first.acked).toHaveLength(0);
    expect((await getRun(id)).steps[0]).toMatchObject({ key: "a#0", status: "running", attempts: 1 });
    // The queue delivers the same message again: its claim is still its own.
    const again = await deliver([message], "baton-tasks", env, [messageId]);
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
