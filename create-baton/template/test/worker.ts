// test/worker.ts — the Worker the workerd tests run: this project's own (src/index.ts),
// with the run objects and limiters that take batonTest's controls under the same names.
export * from "../src/index.ts";
export { default } from "../src/index.ts";
export { TestRunObject as RunObject, TestConcurrencyLimiter as ConcurrencyLimiter } from "baton-workflows/worker/testing";
