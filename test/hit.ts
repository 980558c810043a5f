// Helpers for test workflows: count effects in the Probe object.
import { env } from "cloudflare:workers";

const probe = () => env.PROBE.get(env.PROBE.idFromName("probe"));

/** Records that `name` ran once; returns how many times it has run. */
export function hit(name: string): Promise<number> {
  return probe().hit(name);
}

/** Runs `fn` counted as one more `name` running at once (the Probe keeps the peak). */
export async function measured<T>(name: string, fn: () => Promise<T>): Promise<T> {
  await probe().enter(name);
  try {
    return await fn();
  } finally {
    await probe().exit(name);
  }
}

/** How many times `name` was recorded. */
export function count(name: string): Promise<number> {
  return probe().count(name);
}
