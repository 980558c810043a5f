// The Worker: the HTTP API on `fetch`, the task consumer on `queue`, scheduled runs on
// `scheduled` (the cron trigger), and the Durable Object classes wrangler binds.

import { createApp } from "./api/app.ts";
import type { Env } from "./env.ts";
import { modules } from "./generated/workflows.ts";
import { consumeDeadTasks, consumeTasks, DEAD_LETTER_QUEUE } from "./tasks/queue-consumer.ts";
import { registry } from "./registry.ts";
import { runDueSchedules } from "./schedules/ticks.ts";

export { RunIndex } from "./index/run-index.ts";
export { RunObject } from "./runs/run-object.ts";
export { TaskCache } from "./tasks/task-cache.ts";
export { ConcurrencyLimiter } from "./tasks/concurrency-limiter.ts";
export { Scheduler } from "./schedules/scheduler.ts";
export { AccessGuard } from "./api/access-guard.ts";

registry.add(modules);

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch: MessageBatch<unknown>, env: Env) => (batch.queue === DEAD_LETTER_QUEUE ? consumeDeadTasks(batch, env) : consumeTasks(batch, env)),
  scheduled: async (controller: ScheduledController, env: Env) => {
    await runDueSchedules(controller.scheduledTime, env);
  },
} satisfies ExportedHandler<Env>;
