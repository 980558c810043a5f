// What every page the Worker serves to a browser carries (the console and approval
// pages): a strict Content-Security-Policy whose only scripts and styles are the
// page's own (by nonce), no framing, no referrer, no caching, no sniffing; a
// same-origin check on every unsafe request, whatever its content type, on top of the
// SameSite session cookie; and forms read without trusting them.

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
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

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses an unsafe request (a POST, or any method but GET, HEAD and OPTIONS) that
 * another site sent, whatever its content type, with `refused(c)`: it must carry this
 * origin in `Origin` or say `Sec-Fetch-Site: same-origin` (a browser sends `Origin: null`
 * from our own no-referrer pages). Anything else goes on.
 */
export function sameOriginPosts(refused: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const ours = c.req.header("Origin") === new URL(c.req.url).origin || c.req.header("Sec-Fetch-Site") === "same-origin";
    if (!ours) return refused(c);
    await next();
  };
}

/**
 * The fields of a posted form, or null when its body cannot be read as one (a truncated
 * or malformed multipart body, bytes that break off): the caller answers 400.
 */
export async function readForm(c: Context): Promise<Record<string, string | File> | null> {
  try {
    return await c.req.parseBody();
  } catch {
    return null;
  }
}

/** Refuses a body over `maxSize` bytes with `refused(c)` before anything reads it. */
export function limitBody(maxSize: number, refused: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  return bodyLimit({ maxSize, onError: refused });
}
