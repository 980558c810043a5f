// What every page the Worker serves to a browser carries (the console and approval
// pages): a strict Content-Security-Policy whose only scripts and styles are the
// page's own (by nonce), no framing, no referrer, no caching, no sniffing; and a
// same-origin check on every form post, on top of the SameSite session cookie.

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { NONCE, secureHeaders } from "hono/secure-headers";

/** The headers of every HTML page; pages read their nonce with `nonceOf(c)`. */
export function pageHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: [NONCE],
      styleSrc: [NONCE],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
  });
  return async (c, next) => {
    await headers(c, next);
    c.header("Cache-Control", "no-store");
  };
}

/** The nonce the page's own `<script>` and `<style>` elements carry. */
export function nonceOf(c: Context): string {
  const nonce: unknown = c.get("secureHeadersNonce" as never);
  if (typeof nonce !== "string") throw new Error("baton: a page was rendered without pageHeaders()");
  return nonce;
}

/**
 * Refuses a form post sent by another site (its Origin or Sec-Fetch-Site says so, or
 * neither is there) with `refused(c)`; anything else goes on.
 */
export function sameOriginPosts(refused: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const check = csrf();
  return async (c, next) => {
    let passed = false;
    try {
      await check(c, async () => {
        passed = true;
      });
    } catch (error) {
      if (!(error instanceof HTTPException)) throw error;
    }
    if (!passed) return refused(c);
    await next();
  };
}

/** Refuses a body over `maxSize` bytes with `refused(c)` before anything reads it. */
export function limitBody(maxSize: number, refused: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  return bodyLimit({ maxSize, onError: refused });
}
