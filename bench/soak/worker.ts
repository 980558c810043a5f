// The Worker `npm run soak` drives under `wrangler dev`: Baton as shipped, with the
// workflows in bench/soak/workflows/.
import worker from "../../src/index.ts";
import { registry } from "../../src/registry.ts";
import { modules } from "../generated/soak-workflows.ts";

export { AccessGuard, ConcurrencyLimiter, RunIndex, RunObject, Scheduler, TaskCache, WorkerDirectory, WorkQueue } from "../../src/index.ts";

registry.add(modules);

export default worker;
