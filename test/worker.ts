// The Worker under test: Baton's own entry plus the workflows in test/workflows/ and
// a Probe object the test workflows use to count how often each task really ran.

import worker from "../src/index.ts";
import { registry } from "../src/registry.ts";
import { modules } from "./generated/workflows.ts";

export { ConcurrencyLimiter, RunIndex, RunObject, TaskCache } from "../src/index.ts";
export { Probe } from "./probe.ts";

registry.add(modules);

export default worker;
