// Bearer-token auth for /api (BATON_API_TOKEN) and for the worker protocol
// (BATON_WORKER_TOKEN). Hono's bearerAuth does the parsing and the timing-safe
// comparison; this adds JSON errors, refuses everything while no token is set, and
// limits wrong tokens per client address (attempts.ts): 429 with Retry-After once an
// address has spent its free failures.

import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { timingSafeEqual } from "hono/utils/buffer";
import type { Env } from "../env.ts";
import { ApiError } from "./api-error.ts";
import { clientAddress, failedAttempt, waitFor } from "./attempts.ts";

type ApiContext = Context<{ Bindings: Env }>;

const refuse = (message: string) => (c: ApiContext) => c.json(new ApiError(401, "unauthorized", message).body(), 401);

/** The answer to an address that must wait `seconds` before it tries a token again. */
export function tooManyAttempts(c: ApiContext, seconds: number): Response {
  const error = new ApiError(429, "too_many_attempts", `too many wrong tokens from this address; try again in ${seconds} s`);
  return c.json(error.body(), 429, { "Retry-After": String(seconds) });
}

/** What a bearer check says, per token: where the secret is, and each refusal's words. */
interface TokenRules {
  secret: "BATON_API_TOKEN" | "BATON_WORKER_TOKEN";
  noHeader: string;
  badHeader: string;
  wrong: string;
  /** Thrown while the Worker has no such secret. */
  unset: () => ApiError;
}

const API_TOKEN: TokenRules = {
  secret: "BATON_API_TOKEN",
  noHeader: "send the API token as 'Authorization: Bearer <token>'",
  badHeader: "the Authorization header must be 'Bearer <token>'",
  wrong: "the API token is wrong",
  unset: () => new ApiError(401, "unauthorized", "this Baton deployment has no API token configured; set one with `wrangler secret put BATON_API_TOKEN`"),
};

const WORKER_TOKEN: TokenRules = {
  secret: "BATON_WORKER_TOKEN",
  noHeader: "send the worker token as 'Authorization: Bearer <BATON_WORKER_TOKEN>'",
  badHeader: "the Authorization header must be 'Bearer <BATON_WORKER_TOKEN>'",
  wrong: "the worker token is wrong: give the worker the Worker's BATON_WORKER_TOKEN secret (not the API token)",
  unset: () => new ApiError(503, "worker_token_unset", "this Baton deployment takes no workers: it has no BATON_WORKER_TOKEN; set one with `wrangler secret put BATON_WORKER_TOKEN`"),
};

/** Requires `Authorization: Bearer <BATON_API_TOKEN>`. */
export function requireToken(): MiddlewareHandler<{ Bindings: Env }> {
  return requireBearer(API_TOKEN);
}

/** Requires `Authorization: Bearer <BATON_WORKER_TOKEN>`: the worker protocol's routes, apart from the API token. */
export function requireWorkerToken(): MiddlewareHandler<{ Bindings: Env }> {
  return requireBearer(WORKER_TOKEN);
}

function requireBearer(rules: TokenRules): MiddlewareHandler<{ Bindings: Env }> {
  const check = bearerAuth<{ Bindings: Env }>({
    verifyToken: (token, c) => timingSafeEqual(token, c.env[rules.secret] ?? ""),
    noAuthenticationHeader: { message: refuse(rules.noHeader) },
    invalidAuthenticationHeader: { message: refuse(rules.badHeader) },
    invalidToken: {
      message: async (c: ApiContext) => {
        const wait = await failedAttempt(c.env, clientAddress(c), Date.now());
        return wait > 0 ? tooManyAttempts(c, wait) : refuse(rules.wrong)(c);
      },
    },
  });
  return async (c, next) => {
    if (!c.env[rules.secret]) throw rules.unset();
    // Locked out: refused before the token is even compared, a right one too.
    const wait = waitFor(clientAddress(c), Date.now());
    if (wait > 0) return tooManyAttempts(c, wait);
    return check(c, next);
  };
}
