// Helpers for test workflows: count effects in the Probe object.
import { env } from "cloudflare:workers";

const probe = () => env.PROBE.get(env.PROBE.idFromName("probe"));

/** Records that `name` ran once; returns how many times it has run. */
export function hit(name: string): Promise<number> {
  return probe().hit(name);
}

/** How many times `name` was recorded. */
export function count(name: string): Promise<number> {
  return probe().count(name);
}
