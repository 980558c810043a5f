// The Worker the Python end-to-end tests run under `wrangler dev`: Baton as shipped,
// with the TypeScript workflows in test/python/workflows/ that Python ones call and
// that call Python ones.

import worker from "../../src/index.ts";
import { registry } from "../../src/registry.ts";
import { modules } from "../generated/python-workflows.ts";

export { AccessGuard, ConcurrencyLimiter, RunIndex, RunObject, Scheduler, TaskCache, WorkerDirectory, WorkQueue } from "../../src/index.ts";

registry.add(modules);

export default worker;
