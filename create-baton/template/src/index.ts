// The Worker: Baton hosted with the workflows in workflows/ (the map `npx baton build`
// writes to src/generated/, which the wrangler config's build step runs before every dev
// and deploy build; a file that does not build is listed in `broken` and answers 503 in
// dev, while deploy refuses it). Add your own routes by handling them before baton.fetch.

import { createBaton } from "baton-workflows/worker";
import { broken, scripts, versions, workflows } from "./generated/workflows.ts";

// The Durable Object classes and the service-binding entrypoint must be exports of the main module.
export { AccessGuard, BatonService, ConcurrencyLimiter, RunIndex, RunObject, Scheduler, TaskCache, WorkerDirectory, WorkQueue } from "baton-workflows/worker";

const baton = createBaton({ workflows, scripts, versions, broken });

export default {
  fetch: baton.fetch,
  queue: baton.queue,
  scheduled: baton.scheduled,
} satisfies ExportedHandler;
