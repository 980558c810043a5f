// `baton-workflows/worker/testing`: for workerd tests of a Worker that hosts Baton. Bind
// the run objects and limiters with their test controls in the test Worker
// (`export { TestRunObject as RunObject, TestConcurrencyLimiter as ConcurrencyLimiter }`),
// then drive runs with batonTest(env): start, wait, skip waits, decide approvals.

export { batonTest, type BatonTestEnv, type BatonTestKit, type WaitOptions } from "./workerd.ts";
export { TestRunObject } from "./test-run-object.ts";
export { TestConcurrencyLimiter } from "./test-limiter.ts";
export type { CutPoint } from "../runs/faults.ts";
