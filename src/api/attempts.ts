// Failed credentials per client address (API tokens and console sign-ins): five may fail
// at once, then one every 6 s (AccessGuard keeps the count). Once an address has none
// left, this isolate refuses its attempts without trying them, a correct token too, until
// it may again: 429 with Retry-After. A correct credential never waits on the guard;
// only a failed one asks it, so an isolate that has not yet seen an address fail learns
// of its lock with that address's next failure.

import type { Context } from "hono";
import type { Env } from "../env.ts";

/** Addresses this isolate knows to be locked, with when each may try again (ms). */
const locked = new Map<string, number>();

/** The client's address as Cloudflare reports it (`CF-Connecting-IP`); requests without one share one bucket. */
export function clientAddress(c: Context<{ Bindings: Env }>): string {
  return c.req.header("CF-Connecting-IP") ?? "unknown";
}

/** Seconds the address must wait before it may try a credential, or 0. */
export function waitFor(address: string, now: number): number {
  const until = locked.get(address);
  if (until === undefined) return 0;
  if (until <= now) {
    locked.delete(address);
    return 0;
  }
  return Math.ceil((until - now) / 1000);
}

/** Counts a failed credential of `address`; answers the seconds it must wait when this attempt is refused too, else 0. */
export async function failedAttempt(env: Env, address: string, now: number): Promise<number> {
  const guard = env.ACCESS_GUARD.get(env.ACCESS_GUARD.idFromName(`address:${address}`));
  const failure = await guard.failed(now);
  if (failure.retryAfterS > 0) locked.set(address, now + failure.retryAfterS * 1000);
  return failure.refused ? failure.retryAfterS : 0;
}
