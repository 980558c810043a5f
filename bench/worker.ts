// The benchmark Worker: Baton as shipped (with counters around the run object and the
// consumer) beside an equivalent Cloudflare Workflows implementation, in one workerd.
// POST /bench/measure runs one workload on one engine and answers how long it took.

import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import baton from "../src/index.ts";
import type { Env } from "../src/env.ts";
import type { TaskReport } from "../src/tasks/messages.ts";
import { registry } from "../src/registry.ts";
import { RunObject, type TaskRef } from "../src/runs/run-object.ts";
import { modules } from "./generated/workflows.ts";

export { ConcurrencyLimiter, RunIndex, TaskCache } from "../src/index.ts";

registry.add(modules);

interface BenchEnv extends Env {
  CF_BENCH: Workflow<CfParams>;
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

type CfParams = { workload: "w1" | "w2" | "w3" | "g" | "idle"; n?: number; seconds?: number };

/** The same workloads written for Cloudflare Workflows; each returns the moment it finished. */
export class CfBenchWorkflow extends WorkflowEntrypoint<BenchEnv, CfParams> {
  override async run(event: Readonly<WorkflowEvent<CfParams>>, step: WorkflowStep): Promise<{ endedAt: number }> {
    await this.work(event.payload, step);
    return { endedAt: Date.now() };
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
  engine: "baton" | "cf";
  workload: CfParams["workload"];
  input: Record<string, unknown>;
  runs: number;
}

/**
 * Completion is detected by polling, but timed by when each run says it finished
 * (Baton: the run's updatedAt as it completed; Cloudflare Workflows: the Date.now()
 * its run() returns), so the polling adds no latency. It polls every run every
 * 100 ms, or every `runs` ms for more than 100 runs: 1,000 runs polled every 100 ms
 * would be 10,000 calls a second competing with both engines for the CPU.
 */
const POLL_MS = 100;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until every check reports an end time; returns the latest one. */
async function lastEnd(checks: (() => Promise<number | null>)[], pollMs = POLL_MS): Promise<number> {
  let latest = 0;
  let pending = checks;
  for (;;) {
    const ends = await Promise.all(pending.map((check) => check()));
    for (const end of ends) if (end !== null) latest = Math.max(latest, end);
    pending = pending.filter((_, i) => ends[i] === null);
    if (pending.length === 0) return latest;
    await wait(pollMs);
  }
}

async function measure(env: BenchEnv, request: MeasureRequest): Promise<Record<string, unknown>> {
  resetCounters();
  const started = Date.now();
  let checks: (() => Promise<number | null>)[];
  if (request.engine === "baton") {
    const ids = await Promise.all(
      Array.from({ length: request.runs }, async () => {
        const id = crypto.randomUUID();
        await env.RUNS.get(env.RUNS.idFromName(id)).start({ id, workflow: request.workload, input: request.input as never, idempotencyKey: null, origin: null });
        return id;
      }),
    );
    checks = ids.map((id) => async () => {
      const summary = await env.RUNS.get(env.RUNS.idFromName(id)).summary();
      if (summary?.status === "failed") throw new Error(`baton run ${id} failed`);
      return summary?.status === "completed" ? Date.parse(summary.updatedAt) : null;
    });
  } else {
    const instances = await Promise.all(
      Array.from({ length: request.runs }, () => env.CF_BENCH.create({ params: { workload: request.workload, ...request.input } })),
    );
    checks = instances.map((instance) => async () => {
      const status = await instance.status();
      if (status.status === "errored") throw new Error(`cf instance failed: ${JSON.stringify(status.error)}`);
      return status.status === "complete" ? (status.output as { endedAt: number }).endedAt : null;
    });
  }
  const startsMs = Date.now() - started;
  const ms = (await lastEnd(checks, Math.max(POLL_MS, request.runs))) - started;
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
      return Response.json(await measure(env, (await request.json()) as MeasureRequest));
    }
    if (url.pathname === "/bench/idle" && request.method === "POST") {
      const { seconds } = (await request.json()) as { seconds: number };
      return Response.json(await measureIdle(env, seconds));
    }
    return baton.fetch(request, env, ctx);
  },
  async queue(batch: MessageBatch<unknown>, env: BenchEnv): Promise<void> {
    counters.consumerInvocations += 1;
    counters.taskMessages += batch.messages.length;
    return baton.queue(batch, env);
  },
} satisfies ExportedHandler<BenchEnv>;
