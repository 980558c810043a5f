// Signed event URLs' tokens: the claim (run and its incarnation, event, the eventUrl
// step's key, expiry, once) signed under BATON_SIGNING_KEY with the purpose "event", so
// neither an approval link's token nor any other passes as one (src/signed-token.ts).

import { FatalError } from "baton-workflows";
import type { EventUrlRequest } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import { host } from "../host.ts";
import type { RunRow } from "../runs/run-store.ts";
import { signToken, verifiedClaim } from "../signed-token.ts";

const PURPOSE = "event";

/** What an event URL lets its holder do: send the event `event` to the run `run`. */
export interface EventUrlClaim {
  run: string;
  /** The run's incarnation: a run later created under the same id refuses the URL. Absent for runs created before incarnations. */
  inc?: string;
  event: string;
  /** The eventUrl step's key: with `once`, what the delivery's idempotency is keyed by. */
  key: string;
  /** Milliseconds since the epoch after which the URL no longer works. */
  expires: number;
  once: boolean;
}

/** Why a token was refused. */
export type EventTokenProblem = "invalid" | "expired";

/**
 * The URL for an eventUrl() step of `run`: `<BATON_PUBLIC_URL or the run's origin><basePath>/events/<token>`.
 * Throws (the body sees it as the step's error) without a signing key or a base URL.
 */
export async function eventUrlFor(env: Env, run: RunRow, request: EventUrlRequest): Promise<string> {
  const secret = env.BATON_SIGNING_KEY;
  if (!secret) throw new FatalError("eventUrl() needs BATON_SIGNING_KEY: set it (wrangler secret put BATON_SIGNING_KEY) to sign event URLs");
  const base = (env.BATON_PUBLIC_URL ?? run.origin ?? "").replace(/\/+$/, "");
  if (!base) throw new FatalError("eventUrl() needs BATON_PUBLIC_URL: this run was not started by an HTTP request, so its origin is unknown");
  const claim: EventUrlClaim = {
    run: run.id,
    ...(run.incarnation === null ? {} : { inc: run.incarnation }),
    event: request.name,
    key: request.key,
    expires: Date.now() + Math.round(request.expires * 1000),
    once: request.once,
  };
  return `${base}${host.basePath}/events/${await signToken(secret, PURPOSE, claim)}`;
}

/** The token's claim if its signature holds, it has the claim's shape and it has not expired. */
export async function verifyEventToken(secret: string, token: string, now: number): Promise<{ ok: true; claim: EventUrlClaim } | { ok: false; problem: EventTokenProblem }> {
  const claim = await verifiedClaim(secret, PURPOSE, token);
  if (!claim || typeof claim.run !== "string" || typeof claim.event !== "string" || typeof claim.key !== "string" || typeof claim.once !== "boolean" || typeof claim.expires !== "number") {
    return { ok: false, problem: "invalid" };
  }
  if (claim.inc !== undefined && typeof claim.inc !== "string") return { ok: false, problem: "invalid" };
  if (claim.expires <= now) return { ok: false, problem: "expired" };
  return { ok: true, claim: claim as unknown as EventUrlClaim };
}
