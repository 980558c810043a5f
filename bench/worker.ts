// The benchmark Worker: Baton as shipped (with counters around the run object and the
// consumer) beside an equivalent Cloudflare Workflows implementation, and the design's
// floor (FloorRun), in one workerd. POST /bench/measure runs one workload on one engine
// and answers how long it took.

import { DurableObject, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import baton from "../src/index.ts";
import type { Env } from "../src/env.ts";
import type { TaskReport } from "../src/tasks/messages.ts";
import { registry } from "../src/registry.ts";
import { RunIndex } from "../src/run-list/run-index.ts";
import { indexFor } from "../src/run-list/run-list.ts";
import { RunObject, type TaskRef } from "../src/runs/run-object.ts";
import { startMany } from "../src/api/batch-starts.ts";
import { MAX_BATCH_RUNS } from "../src/api/batch-schemas.ts";
import type { RunSummary } from "../src/runs/run-view.ts";
import { modules } from "./generated/workflows.ts";

export { AccessGuard, ConcurrencyLimiter, Scheduler, TaskCache, WorkerDirectory, WorkQueue } from "../src/index.ts";

registry.add(modules);

interface BenchEnv extends Env {
  CF_BENCH: Workflow<CfParams>;
  FLOOR_RUNS: DurableObjectNamespace<FloorRun>;
  FLOOR_TASKS: Queue<FloorMessage>;
}

/** What one measurement counted, besides time. */
interface Counters {
  consumerInvocations: number;
  taskMessages: number;
  alarms: number;
  contextCalls: number;
  contextBytes: number;
  reportBytes: number;
}

const counters: Counters = { consumerInvocations: 0, taskMessages: 0, alarms: 0, contextCalls: 0, contextBytes: 0, reportBytes: 0 };

function resetCounters(): Counters {
  const snapshot = { ...counters };
  for (const key of Object.keys(counters) as (keyof Counters)[]) counters[key] = 0;
  return snapshot;
}

/** The run object with counters: its wake-ups and the bytes it exchanges with consumers. */
export class BenchRunObject extends RunObject {
  override async alarm(): Promise<void> {
    counters.alarms += 1;
    return super.alarm();
  }
  override async taskContext(tasks: TaskRef[], since?: number): Promise<string | null> {
    const text = await super.taskContext(tasks, since);
    counters.contextCalls += 1;
    counters.contextBytes += text?.length ?? 0;
    return text;
  }
  override async reportMany(reports: TaskReport[]): Promise<boolean[]> {
    counters.reportBytes += JSON.stringify(reports).length;
    return super.reportMany(reports);
  }
}

/**
 * When each run ended, by its own clock, keyed by run or instance id. Every Durable
 * Object and the entrypoint run in this one isolate under `wrangler dev`, so both
 * engines tell the measurement here, in memory, instead of being polled over RPC.
 */
const ended = new Map<string, number>();

/** The run list with an ear on it: a run's final listing tells the bench it ended. */
export class BenchRunIndex extends RunIndex {
  override async upsert(summary: RunSummary, revision: number): Promise<void> {
    await super.upsert(summary, revision);
    if (summary.status === "completed" || summary.status === "failed") ended.set(summary.id, summary.status === "completed" ? Date.parse(summary.updatedAt) : -1);
  }
}

/**
 * The floor of this design: the work done with nothing but what any engine built as
 * Baton is must do, and none of Baton's code. W3: a Durable Object per run stores the
 * run and its task and lists it; a queue message carries the task; the consumer claims
 * it with one RPC (a write), runs it and reports with another (a write), and the run
 * lists its end. W1: one object stores each inline step, begun and finished, in a
 * turn of its own before the next. No replay, log, limits, alarms or retention. What
 * Baton costs above this is Baton's own; what this costs is the design's.
 */
export class FloorRun extends DurableObject<BenchEnv> {
  async start(id: string): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec(`CREATE TABLE run (id TEXT PRIMARY KEY, status TEXT, output TEXT, created_at INTEGER, updated_at INTEGER);
      CREATE TABLE steps (key TEXT PRIMARY KEY, status TEXT, result TEXT, claim TEXT)`);
    this.ctx.storage.sql.exec("INSERT INTO run VALUES (?, 'running', NULL, ?, ?)", id, now, now);
    this.ctx.storage.sql.exec("INSERT INTO steps VALUES ('one', 'running', NULL, NULL)");
    await this.list(id, "running", now, now, 1);
    await this.env.FLOOR_TASKS.send({ runId: id, key: "one" });
  }

  /** W1's floor: n inline steps, each stored (begun, finished, its attempt) in a turn of its own before the next. */
  async steps(id: string, n: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS s (key TEXT PRIMARY KEY, status TEXT, result TEXT, started_at INTEGER, ended_at INTEGER);
      CREATE TABLE IF NOT EXISTS a (key TEXT, attempt INTEGER, ended_at INTEGER, PRIMARY KEY (key, attempt))`);
    for (let i = 0; i < n; i++) {
      const key = `s${i}`;
      sql.exec("INSERT INTO s VALUES (?, 'running', NULL, ?, NULL)", key, Date.now());
      const value = await (async () => i)();
      sql.exec("UPDATE s SET status = 'completed', result = ?, ended_at = ? WHERE key = ?", JSON.stringify(value), Date.now(), key);
      sql.exec("INSERT INTO a VALUES (?, 1, ?)", key, Date.now());
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    ended.set(id, Date.now());
  }

  /** The atomic claim: only the first consumer to ask gets the attempt. */
  async claim(key: string, claimant: string): Promise<boolean> {
    return this.ctx.storage.sql.exec("UPDATE steps SET claim = ? WHERE key = ? AND claim IS NULL RETURNING key", claimant, key).toArray().length > 0;
  }

  async report(id: string, key: string, result: string): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec("UPDATE steps SET status = 'completed', result = ? WHERE key = ?", result, key);
    this.ctx.storage.sql.exec("UPDATE run SET status = 'completed', output = ?, updated_at = ?", result, now);
    const createdAt = this.ctx.storage.sql.exec<{ created_at: number }>("SELECT created_at FROM run").one().created_at;
    await this.list(id, "completed", createdAt, now, 2);
  }

  private async list(id: string, status: "running" | "completed", createdAt: number, updatedAt: number, revision: number): Promise<void> {
    const summary: RunSummary = { id, workflow: "floor", kind: "workflow", status, parentId: null, createdAt: new Date(createdAt).toISOString(), updatedAt: new Date(updatedAt).toISOString() };
    await indexFor(this.env, id).upsert(summary, revision);
  }
}

interface FloorMessage {
  runId: string;
  key: string;
}

async function floorConsumer(batch: MessageBatch<FloorMessage>, env: BenchEnv): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const run = env.FLOOR_RUNS.get(env.FLOOR_RUNS.idFromName(message.body.runId));
      if (await run.claim(message.body.key, message.id)) await run.report(message.body.runId, message.body.key, JSON.stringify(1));
      message.ack();
    }),
  );
}

type CfParams = { workload: "w1" | "w2" | "w3" | "g" | "idle"; n?: number; seconds?: number };

/** The same workloads written for Cloudflare Workflows; each returns the moment it finished. */
export class CfBenchWorkflow extends WorkflowEntrypoint<BenchEnv, CfParams> {
  override async run(event: Readonly<WorkflowEvent<CfParams>>, step: WorkflowStep): Promise<{ endedAt: number }> {
    try {
      await this.work(event.payload, step);
    } catch (error) {
      ended.set(event.instanceId, -1);
      throw error;
    }
    const endedAt = Date.now();
    ended.set(event.instanceId, endedAt);
    return { endedAt };
  }

  private async work(params: CfParams, step: WorkflowStep): Promise<unknown> {
    const { workload, n = 1 } = params;
    switch (workload) {
      case "w1":
      case "g": {
        let total = 0;
        for (let i = 0; i < n; i++) total += await step.do(`s${i}`, async () => i);
        return total;
      }
      case "w2":
        return Promise.all(Array.from({ length: n }, (_, i) => step.do(`t${i}`, async () => i * 2)));
      case "w3":
        return step.do("one", async () => 1);
      case "idle":
        await step.do("before", async () => 1);
        await step.sleep("nap", (params.seconds ?? 60) * 1000);
        return step.do("after", async () => 2);
    }
  }
}

interface MeasureRequest {
  engine: "baton" | "cf" | "floor";
  workload: CfParams["workload"];
  input: Record<string, unknown>;
  runs: number;
  /** Started with each engine's batch start: Baton's startMany (≤ 1,000 per call), Cloudflare's createBatch (≤ 100 per call); all calls at once. */
  batch?: boolean;
}

/** Most instances one Cloudflare `createBatch` call takes. */
const CF_BATCH = 100;

/** `n` items cut into calls of at most `size`. */
const chunks = (n: number, size: number) => Array.from({ length: Math.ceil(n / size) }, (_, i) => Math.min(size, n - i * size));

/** Starts the runs with each engine's batch start; answers their ids, throwing if any start was refused. */
async function batchStart(env: BenchEnv, request: MeasureRequest): Promise<string[]> {
  if (request.engine === "baton") {
    const answers = await Promise.all(chunks(request.runs, MAX_BATCH_RUNS).map((n) => startMany(env, Array.from({ length: n }, () => ({ workflow: request.workload, input: request.input })))));
    return answers.flat().map((answer) => {
      if (!("run" in answer)) throw new Error(`a batch start was refused: ${JSON.stringify(answer)}`);
      return answer.run.id;
    });
  }
  if (request.engine !== "cf") throw new Error(`the ${request.engine} engine has no batch start`);
  const results = await Promise.all(chunks(request.runs, CF_BATCH).map((count) => env.CF_BENCH.createBatch({ count, params: { workload: request.workload, ...request.input } })));
  const refused = results.flatMap((result) => result.errors);
  if (refused.length > 0) throw new Error(`createBatch refused ${refused.length} instances: ${JSON.stringify(refused[0])}`);
  return results.flatMap((result) => result.created.map((instance) => instance.id));
}

/** How often the idle measurement looks at its run (outside the window it counts). */
const POLL_MS = 100;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A measurement that has not ended after this long has lost a run: it fails, naming one. */
const GIVE_UP_MS = 10 * 60 * 1000;

/** Waits until every id has ended (as its engine told `ended`); returns the latest end. */
async function lastEnd(ids: string[]): Promise<number> {
  const giveUpAt = Date.now() + GIVE_UP_MS;
  let latest = 0;
  let pending = ids;
  for (;;) {
    for (const id of pending) {
      const end = ended.get(id);
      if (end === -1) throw new Error(`run ${id} failed`);
      if (end !== undefined) latest = Math.max(latest, end);
    }
    pending = pending.filter((id) => !ended.has(id));
    if (pending.length === 0) return latest;
    if (Date.now() > giveUpAt) throw new Error(`${pending.length} runs did not end within ${GIVE_UP_MS / 60_000} minutes, ${pending[0]} among them`);
    await wait(10);
  }
}

async function measure(env: BenchEnv, request: MeasureRequest): Promise<Record<string, unknown>> {
  resetCounters();
  ended.clear();
  const started = Date.now();
  let ids: string[];
  if (request.batch) {
    ids = await batchStart(env, request);
  } else if (request.engine === "baton") {
    ids = await Promise.all(
      Array.from({ length: request.runs }, async () => {
        const id = crypto.randomUUID();
        await env.RUNS.get(env.RUNS.idFromName(id)).start({ id, workflow: request.workload, input: request.input as never, idempotencyKey: null, origin: null });
        return id;
      }),
    );
  } else if (request.engine === "floor") {
    ids = await Promise.all(
      Array.from({ length: request.runs }, async () => {
        const id = crypto.randomUUID();
        const run = env.FLOOR_RUNS.get(env.FLOOR_RUNS.idFromName(id));
        if (request.workload === "w1") await run.steps(id, Number(request.input.n));
        else await run.start(id);
        return id;
      }),
    );
  } else {
    const instances = await Promise.all(
      Array.from({ length: request.runs }, () => env.CF_BENCH.create({ params: { workload: request.workload, ...request.input } })),
    );
    ids = instances.map((instance) => instance.id);
  }
  const startsMs = Date.now() - started;
  const ms = (await lastEnd(ids)) - started;
  return { ms, startsMs, ...resetCounters() };
}

/** Counts what happens while one Baton run sleeps: from the sleep's start to just before its wake. */
async function measureIdle(env: BenchEnv, seconds: number): Promise<Record<string, unknown>> {
  const id = crypto.randomUUID();
  const stub = env.RUNS.get(env.RUNS.idFromName(id));
  await stub.start({ id, workflow: "idle", input: { seconds }, idempotencyKey: null, origin: null });
  let summary = await stub.summary();
  while (summary?.status !== "sleeping") {
    await wait(POLL_MS);
    summary = await stub.summary();
  }
  resetCounters();
  const wakeAt = Date.parse(summary.wakeAt ?? "");
  // Watch without touching the run object, so the watching itself is not counted as a wake-up.
  await wait(Math.max(0, wakeAt - Date.now() - 200));
  const duringSleep = resetCounters();
  while ((await stub.summary())?.status !== "completed") await wait(POLL_MS);
  const afterWake = resetCounters();
  return { duringSleep, afterWake };
}

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/bench/measure" && request.method === "POST") {
      // A failure answers with its message, so the bench script can say what went wrong.
      return measure(env, (await request.json()) as MeasureRequest).then(
        (result) => Response.json(result),
        (error: unknown) => Response.json({ error: String((error as Error)?.stack ?? error) }, { status: 500 }),
      );
    }
    if (url.pathname === "/bench/idle" && request.method === "POST") {
      const { seconds } = (await request.json()) as { seconds: number };
      return Response.json(await measureIdle(env, seconds));
    }
    return baton.fetch(request, env, ctx);
  },
  async queue(batch: MessageBatch<unknown>, env: BenchEnv): Promise<void> {
    if (batch.queue === "baton-bench-floor") return floorConsumer(batch as MessageBatch<FloorMessage>, env);
    counters.consumerInvocations += 1;
    counters.taskMessages += batch.messages.length;
    return baton.queue(batch, env);
  },
} satisfies ExportedHandler<BenchEnv>;
