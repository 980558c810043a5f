// A consumer on other code than drives a run (a deployment rolling out) does not
// replay the run's body: it hands the task back to the queue for a consumer on the
// run's code, and fails the attempt, naming both versions, only after a bounded wait.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import aborting from "../workflows/aborting.ts";
import { consumeTasks, VERSION_BOUNCES, VERSION_BOUNCE_SECONDS } from "../../src/tasks/queue-consumer.ts";
import { registry, Registry } from "../../src/registry.ts";
import type { TaskMessage } from "../../src/tasks/messages.ts";
import { api, getRun, hits, runStub, startRun, waitForRun } from "./helpers.ts";

/** The registry of a consumer deployed with another version of the "aborting" workflow. */
const otherCode = new Registry().add({ aborting: { module: { default: aborting }, version: "0ther0ther00", companion: false } });

/** Hands one message to the consumer in a batch that records what the consumer did with it (fake: a recording batch, to see the retry delay). */
async function deliverTo(deployed: Registry, body: TaskMessage, attempts: number) {
  const seen = { acked: false, retried: undefined as QueueRetryOptions | undefined };
  const message = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    attempts,
    body,
    ack: () => void (seen.acked = true),
    retry: (options?: QueueRetryOptions) => void (seen.retried = options ?? {}),
  };
  const batch = { queue: "baton-tasks", messages: [message], ackAll: () => {}, retryAll: () => {} };
  await consumeTasks(batch as unknown as MessageBatch<unknown>, env, deployed);
  return seen;
}

describe("a consumer on other code than the run's", () => {
  it("hands the task back with a delay, then fails the attempt naming both versions", async () => {
    const tag = crypto.randomUUID();
    // The run's own message is lost: only the consumer on other code ever gets the task.
    const id = crypto.randomUUID();
    await runStub(id).control().loseTaskMessages(1);
    await runStub(id).start({ id, workflow: "aborting", input: { tag }, idempotencyKey: null, origin: null });
    const message = { runId: id, key: "wait-for-abort#0", attempt: 1 };

    const early = await deliverTo(otherCode, message, 1);
    expect(early).toEqual({ acked: false, retried: { delaySeconds: VERSION_BOUNCE_SECONDS } });
    expect((await waitForRun(id, () => true)).steps[0]).toMatchObject({ status: "running", attempts: 1 });

    // Handed back, the attempt's claim was given up: the returning message can take it again.
    const last = await deliverTo(otherCode, message, VERSION_BOUNCES + 1);
    expect(last).toEqual({ acked: true, retried: undefined });
    const run = await waitForRun(id);
    const running = registry.entry("aborting")?.version;
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "VersionMismatchError", code: "version_mismatch" });
    expect(run.error?.message).toContain(`driven by version ${running ?? ""}`);
    expect(run.error?.message).toContain("this consumer runs version 0ther0ther00");
    // No consumer on other code ran the task's code.
    expect(await hits(`${tag}:started`)).toBe(0);
  });

  it("drops a second message for an attempt the run's own consumer is running, whatever code it runs", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("aborting", { tag });
    await vi.waitFor(async () => expect(await hits(`${tag}:started`)).toBe(1), { timeout: 10_000 });
    const duplicate = await deliverTo(otherCode, { runId: id, key: "wait-for-abort#0", attempt: 1 }, 1);
    expect(duplicate).toEqual({ acked: true, retried: undefined });
    expect((await getRun(id)).steps[0]).toMatchObject({ status: "running", attempts: 1 });
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
    expect(await hits(`${tag}:started`)).toBe(1);
  });
});
