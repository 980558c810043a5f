// The benchmark Worker: Baton as shipped (with counters around the run object and the
// consumer) beside an equivalent Cloudflare Workflows implementation, in one workerd.
// POST /bench/measure runs one workload on one engine and answers how long it took.

import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import baton from "../src/index.ts";
import type { Env } from "../src/env.ts";
import type { TaskReport } from "../src/messages.ts";
import { registry } from "../src/registry.ts";
import { RunObject } from "../src/run-object.ts";
import { modules } from "./generated/workflows.ts";

export { RunIndex } from "../src/index.ts";

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
  override async taskContext(key: string, attempt: number): Promise<string | null> {
    const text = await super.taskContext(key, attempt);
    counters.contextCalls += 1;
    counters.contextBytes += text?.length ?? 0;
    return text;
  }
  override async report(report: TaskReport): Promise<{ accepted: boolean }> {
    counters.reportBytes += JSON.stringify(report).length;
    return super.report(report);
  }
}

type CfParams = { workload: "w1" | "w2" | "w3" | "g" | "idle"; n?: number; seconds?: number };

/** The same workloads written for Cloudflare Workflows. */
export class CfBenchWorkflow extends WorkflowEntrypoint<BenchEnv, CfParams> {
  override async run(event: Readonly<WorkflowEvent<CfParams>>, step: WorkflowStep): Promise<number> {
    const { workload, n = 1 } = event.payload;
    switch (workload) {
      case "w1":
      case "g": {
        let total = 0;
        for (let i = 0; i < n; i++) total += await step.do(`s${i}`, async () => i);
        return total;
      }
      case "w2": {
        const out = await Promise.all(Array.from({ length: n }, (_, i) => step.do(`t${i}`, async () => i * 2)));
        return out.length;
      }
      case "w3":
        return step.do("one", async () => 1);
      case "idle":
        await step.do("before", async () => 1);
        await step.sleep("nap", (event.payload.seconds ?? 60) * 1000);
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

const POLL_MS = 10;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(env: BenchEnv, request: MeasureRequest): Promise<Record<string, unknown>> {
  resetCounters();
  const started = Date.now();
  let pending: (() => Promise<boolean>)[];
  if (request.engine === "baton") {
    const ids = await Promise.all(
      Array.from({ length: request.runs }, async () => {
        const id = crypto.randomUUID();
        await env.RUNS.get(env.RUNS.idFromName(id)).start({ id, workflow: request.workload, input: request.input as never, idempotencyKey: null });
        return id;
      }),
    );
    pending = ids.map((id) => async () => {
      const summary = await env.RUNS.get(env.RUNS.idFromName(id)).summary();
      if (summary?.status === "failed") throw new Error(`baton run ${id} failed`);
      return summary?.status === "completed";
    });
  } else {
    const instances = await Promise.all(
      Array.from({ length: request.runs }, () => env.CF_BENCH.create({ params: { workload: request.workload, ...request.input } })),
    );
    pending = instances.map((instance) => async () => {
      const status = await instance.status();
      if (status.status === "errored") throw new Error(`cf instance failed: ${JSON.stringify(status.error)}`);
      return status.status === "complete";
    });
  }
  while (pending.length > 0) {
    const done = await Promise.all(pending.map((check) => check()));
    pending = pending.filter((_, i) => !done[i]);
    if (pending.length === 0) break;
    await wait(POLL_MS);
  }
  const ms = Date.now() - started;
  return { ms, ...resetCounters() };
}

/** Counts what happens while one Baton run sleeps: from the sleep's start to just before its wake. */
async function measureIdle(env: BenchEnv, seconds: number): Promise<Record<string, unknown>> {
  const id = crypto.randomUUID();
  const stub = env.RUNS.get(env.RUNS.idFromName(id));
  await stub.start({ id, workflow: "idle", input: { seconds }, idempotencyKey: null });
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
