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

// Synchronous stand-ins for state outside a workflow body (a deploy, a module variable).
// Tests and workflows run in one isolate, so a test flips what a body reads; a body
// reading it makes no call a replay could be stuck on.
const switches = new Set<string>();
const tallies = new Map<string, number>();

/** Turns `name` on, for every body that reads it from now on. */
export function flip(name: string): void {
  switches.add(name);
}

/** Whether a test has flipped `name`. */
export function isOn(name: string): boolean {
  return switches.has(name);
}

/** Counts one more `name` in this isolate, synchronously (e.g. each start of a workflow body). */
export function tally(name: string): void {
  tallies.set(name, (tallies.get(name) ?? 0) + 1);
}

/** How often `name` was tallied. */
export function tallied(name: string): number {
  return tallies.get(name) ?? 0;
}

/** How many times `name` was recorded. */
export function count(name: string): Promise<number> {
  return probe().count(name);
}
