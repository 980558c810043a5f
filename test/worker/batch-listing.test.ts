// A batch start lists its runs itself, one write per list shard, and sends their first
// task messages in full queue batches; each run object leaves both to the batch, and its
// own alarm lists the run and re-sends its tasks should the batch never get there (its
// caller died, a reset). Whatever happens, every run is listed exactly once, completes,
// and a repeated item starts nothing twice.
import { abortAllDurableObjects, env, listDurableObjectIds, runDurableObjectAlarm } from "cloudflare:test";
import { LIVENESS_MS } from "baton-workflows/engine";
import { describe, expect, it } from "vitest";
import type { BatchStartAnswer, BatchStartResult } from "baton-workflows/client";
import { startRun as startOne } from "../../src/api/run-actions.ts";
import { runIdFromKey } from "../../src/runs/run-ids.ts";
import { api, listed, pause, runStub } from "./helpers.ts";

/** POSTs a batch and answers its items' answers (the batch itself must be accepted). */
async function postBatch(runs: unknown[]): Promise<BatchStartAnswer[]> {
  const response = await api("/api/runs/batch", { method: "POST", json: { runs } });
  expect(response.status).toBe(200);
  return ((await response.json()) as BatchStartResult).runs;
}

/** Waits until every one of `ids` is listed and none as still going; answers those not listed as completed. */
async function notCompleted(workflow: string, ids: string[]): Promise<string[]> {
  for (;;) {
    const [all, going] = await Promise.all([listed(workflow), listed(workflow, "queued,running,sleeping,waiting")]);
    if (ids.every((id) => all.includes(id)) && !ids.some((id) => going.includes(id))) break;
    await pause(200);
  }
  const completed = new Set(await listed(workflow, "completed"));
  return ids.filter((id) => !completed.has(id));
}

const statusOf = (answer: BatchStartAnswer) => ("run" in answer ? answer.status : `${answer.status} ${answer.error.code}`);

describe("a batch start's listing", () => {
  it("lists every run of the batch by the time it answers, each once, across the list's shards", async () => {
    const tag = crypto.randomUUID();
    const answers = await postBatch(Array.from({ length: 120 }, (_, i) => ({ workflow: "chain", input: { tag, n: 1, i }, idempotencyKey: `${tag}-${i}` })));
    expect(new Set(answers.map(statusOf))).toEqual(new Set([201]));
    const ids = answers.map((answer) => ("run" in answer ? answer.run.id : ""));
    const mine = (await listed("chain")).filter((id) => ids.includes(id));
    expect(mine.toSorted()).toEqual(ids.toSorted());
    // Each is readable at once (GET /api/runs/:id finds a run only through its listing).
    for (const id of ids.slice(0, 5)) expect((await api(`/api/runs/${id}`)).status).toBe(200);
    expect(await notCompleted("chain", ids)).toEqual([]);
  });

  it("lists a run once and starts it once when its key comes twice in a batch and the batch is posted twice", async () => {
    const tag = crypto.randomUUID();
    const keyed = Array.from({ length: 15 }, (_, i) => ({ workflow: "chain", input: { tag, n: 1, i }, idempotencyKey: `${tag}-${i}` }));
    // Each key twice in the batch: one item starts the run, the other finds it.
    const same = [...keyed, ...keyed];
    const objects = (await listDurableObjectIds(env.RUNS)).length;
    const [first, second] = [await postBatch(same), await postBatch(same)];
    expect(first.map(statusOf).toSorted()).toEqual([...Array<number>(15).fill(200), ...Array<number>(15).fill(201)]);
    expect(new Set(second.map(statusOf))).toEqual(new Set([200]));
    const ids = await Promise.all(Array.from({ length: 15 }, (_, i) => runIdFromKey(`${tag}-${i}`)));
    expect(second.map((answer) => ("run" in answer ? answer.run.id : ""))).toEqual([...ids, ...ids]);
    expect((await listDurableObjectIds(env.RUNS)).length).toBe(objects + 15);
    const mine = (await listed("chain")).filter((id) => ids.includes(id));
    expect(mine.toSorted()).toEqual(ids.toSorted());
    expect(await notCompleted("chain", ids)).toEqual([]);
    expect((await listed("chain")).filter((id) => ids.includes(id))).toHaveLength(15);
  });

  it("still lists and completes every run when run objects crash during the batch and all are reset after it, and a repeat starts none twice", { timeout: 120_000 }, async () => {
    const tag = crypto.randomUUID();
    const items = Array.from({ length: 100 }, (_, i) => ({ workflow: "chain", input: { tag, n: 1, i }, idempotencyKey: `${tag}-${i}` }));
    const ids = await Promise.all(items.map((item) => runIdFromKey(item.idempotencyKey)));
    // Three run objects crash mid-batch, right after storing their run (before it runs or is answered).
    const crashing = [10, 50, 90];
    const objects = (await listDurableObjectIds(env.RUNS)).length;
    for (const i of crashing) await runStub(ids[i] ?? "").control().cutOffAt("transition");
    const first = await postBatch(items);
    expect(first.map((answer, i) => (crashing.includes(i) ? statusOf(answer) : answer.status))).toEqual(items.map((_, i) => (crashing.includes(i) ? "500 internal_error" : 201)));
    // Every run the batch answered is listed, and stays listed across a reset of every object while they run.
    const answered = ids.filter((_, i) => !crashing.includes(i));
    expect((await listed("chain")).filter((id) => ids.includes(id)).toSorted()).toEqual(answered.toSorted());
    await abortAllDurableObjects();
    // The caller retries the batch with the same keys: every run once, each listed once.
    const again = await postBatch(items);
    expect(new Set(again.map(statusOf))).toEqual(new Set([200]));
    expect(again.map((answer) => ("run" in answer ? answer.run.id : ""))).toEqual(ids);
    expect((await listDurableObjectIds(env.RUNS)).length).toBe(objects + 100);
    expect((await listed("chain")).filter((id) => ids.includes(id)).toSorted()).toEqual(ids.toSorted());
    // A crashed run goes on at its alarm, due within the liveness window of the crash.
    for (const i of crashing) await runDurableObjectAlarm(runStub(ids[i] ?? ""));
    expect(await notCompleted("chain", ids)).toEqual([]);
    expect((await listed("chain")).filter((id) => ids.includes(id))).toHaveLength(100);
  });

  it("lists and runs each run by its own alarm when the batch that started it died before sending its tasks and listing it", async () => {
    const tag = crypto.randomUUID();
    // The batch's first half, as startMany runs it for each item; the caller then dies (the reset below) before it sends or lists.
    const started = await Promise.all(
      Array.from({ length: 6 }, (_, i) => startOne(env, "chain", { tag, n: 1, i }, { idempotencyKey: `${tag}-${i}`, batched: true })),
    );
    const ids = started.map((start) => start.run.id);
    expect(started.map((start) => [start.created, start.sends.flatMap((held) => held.messages).length])).toEqual(Array(6).fill([true, 1]));
    // Left to the batch: the run objects neither listed them nor sent their tasks.
    await pause(500);
    expect((await listed("chain")).filter((id) => ids.includes(id))).toEqual([]);
    await abortAllDurableObjects();
    // Once the liveness window has passed, each run's alarm re-sends its task (a lost message) and lists it.
    for (const id of ids) await runStub(id).control().elapse(LIVENESS_MS);
    expect(await notCompleted("chain", ids)).toEqual([]);
    expect((await listed("chain")).filter((id) => ids.includes(id)).toSorted()).toEqual(ids.toSorted());
  });
});
