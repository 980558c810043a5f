// The bindings tests and test workflows see: the Worker's own plus the Probe.
import type { Env as BatonEnv } from "../src/env.ts";
import type { Probe } from "./probe.ts";

declare global {
  namespace Cloudflare {
    interface Env extends BatonEnv {
      PROBE: DurableObjectNamespace<Probe>;
    }
  }
}
