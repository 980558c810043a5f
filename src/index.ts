// The Worker: the HTTP API on `fetch`, the task consumer on `queue`, and the Durable
// Object classes wrangler binds.

import { createApp } from "./api/app.ts";
import type { Env } from "./env.ts";
import { modules } from "./generated/workflows.ts";
import { consumeTasks } from "./queue-consumer.ts";
import { registry } from "./registry.ts";

export { RunIndex } from "./run-index.ts";
export { RunObject } from "./run-object.ts";

registry.add(modules);

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeTasks,
} satisfies ExportedHandler<Env>;
