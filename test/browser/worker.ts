// The Worker the browser tests drive under `wrangler dev`: Baton as shipped, with the
// workflows in test/browser/workflows/.

import worker from "../../src/index.ts";
import { registry } from "../../src/registry.ts";
import { modules } from "../generated/browser-workflows.ts";

export { AccessGuard, ConcurrencyLimiter, RunIndex, RunObject, Scheduler, TaskCache, WorkerDirectory, WorkQueue } from "../../src/index.ts";

registry.add(modules);

export default worker;
