// Bearer-token auth for /api. Hono's bearerAuth does the parsing and the timing-safe
// comparison; this adds JSON errors and refuses everything while no token is set.

import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { timingSafeEqual } from "hono/utils/buffer";
import type { Env } from "../env.ts";
import { ApiError } from "./api-error.ts";

const refuse = (message: string) => (c: Context) => c.json(new ApiError(401, "unauthorized", message).body(), 401);

/** Requires `Authorization: Bearer <BATON_API_TOKEN>`. */
export function requireToken(): MiddlewareHandler<{ Bindings: Env }> {
  const check = bearerAuth<{ Bindings: Env }>({
    verifyToken: (token, c) => timingSafeEqual(token, c.env.BATON_API_TOKEN ?? ""),
    noAuthenticationHeader: { message: refuse("send the API token as 'Authorization: Bearer <token>'") },
    invalidAuthenticationHeader: { message: refuse("the Authorization header must be 'Bearer <token>'") },
    invalidToken: { message: refuse("the API token is wrong") },
  });
  return async (c, next) => {
    if (!c.env.BATON_API_TOKEN) {
      throw new ApiError(
        401,
        "unauthorized",
        "this Baton deployment has no API token configured; set one with `wrangler secret put BATON_API_TOKEN`",
      );
    }
    return check(c, next);
  };
}
