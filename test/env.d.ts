// The bindings tests and test workflows see: the Worker's own (its run objects with
// the test controls: the test Worker binds TestRunObject as RunObject) plus the Probe.
import type { Env as BatonEnv } from "../src/env.ts";
import type { TestConcurrencyLimiter } from "../src/testing/test-limiter.ts";
import type { RunObject } from "./support/run-object.ts";
import type { Probe } from "./probe.ts";

declare global {
  namespace Cloudflare {
    interface Env extends Omit<BatonEnv, "RUNS" | "CONCURRENCY"> {
      RUNS: DurableObjectNamespace<RunObject>;
      CONCURRENCY: DurableObjectNamespace<TestConcurrencyLimiter>;
      PROBE: DurableObjectNamespace<Probe>;
    }
  }
}
