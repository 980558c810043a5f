// Helpers for test workflows: count an effect in the Probe object, keyed by run.
import { env } from "cloudflare:workers";

/** Records that `name` ran once; returns how many times it has run. */
export function hit(name: string): Promise<number> {
  return env.PROBE.get(env.PROBE.idFromName("probe")).hit(name);
}
