// The Worker under test: Baton's own entry plus the workflows in test/workflows/ and
// a Probe object the test workflows use to count how often each task really ran.

import worker from "../src/index.ts";
import { registry } from "../src/registry.ts";
import { modules } from "./generated/workflows.ts";

export { AccessGuard, RunIndex, Scheduler, TaskCache, WorkerDirectory, WorkQueue } from "../src/index.ts";
// The run objects and limiters with their test controls.
export { RunObject } from "./support/run-object.ts";
export { TestConcurrencyLimiter as ConcurrencyLimiter } from "../src/testing/test-limiter.ts";
export { Probe } from "./probe.ts";

registry.add(modules);

/** Baton's handlers, with every task message's queue noted in the Probe (`queue:<queue>:<runId>`). */
export default {
  ...worker,
  async queue(batch: MessageBatch<unknown>, env: Cloudflare.Env): Promise<void> {
    const probe = env.PROBE.get(env.PROBE.idFromName("probe"));
    for (const message of batch.messages) {
      const runId = (message.body as { runId?: unknown }).runId;
      if (typeof runId === "string") await probe.hit(`queue:${batch.queue}:${runId}`);
    }
    return worker.queue(batch, env);
  },
} satisfies ExportedHandler<Cloudflare.Env>;
