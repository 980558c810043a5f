// The console's session: a signed cookie holding its expiry and a fingerprint of the
// API token it was opened with, so it ends after 12 hours or when the token changes.

import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { timingSafeEqual } from "hono/utils/buffer";
import type { Env } from "../env.ts";

/** How long a session lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

const COOKIE = "baton_session";

type ConsoleContext = Context<{ Bindings: Env }>;

/** Why no session can be opened here, or null when one can. */
export function sessionsUnavailable(env: Env): string | null {
  if (!env.BATON_API_TOKEN) return "This deployment has no API token. Set one with `wrangler secret put BATON_API_TOKEN`.";
  if (!env.BATON_SIGNING_KEY) return "This deployment has no signing key for sessions. Set one with `wrangler secret put BATON_SIGNING_KEY`.";
  return null;
}

/** True when `token` is the API token (compared in constant time). */
export async function isApiToken(env: Env, token: string): Promise<boolean> {
  return !!env.BATON_API_TOKEN && (await timingSafeEqual(token, env.BATON_API_TOKEN));
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure on https, 12 hours. */
export async function openSession(c: ConsoleContext, now: number): Promise<void> {
  const value = `${now + SESSION_MS}.${await fingerprint(c.env)}`;
  await setSignedCookie(c, COOKIE, value, cookieKey(c.env), {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: SESSION_MS / 1000,
  });
}

/** True when the request carries a session this deployment signed, unexpired, for the current API token. */
export async function hasSession(c: ConsoleContext, now: number): Promise<boolean> {
  if (sessionsUnavailable(c.env)) return false;
  const value = await getSignedCookie(c, cookieKey(c.env), COOKIE);
  if (typeof value !== "string") return false;
  const [expires, print] = value.split(".");
  return Number(expires) > now && print === (await fingerprint(c.env));
}

/** Ends the session in this browser. */
export function closeSession(c: ConsoleContext): void {
  deleteCookie(c, COOKIE, { path: "/", secure: new URL(c.req.url).protocol === "https:" });
}

// Its own key: nothing else signed with BATON_SIGNING_KEY (approval links) can pass as a session.
function cookieKey(env: Env): string {
  return `baton-console-session:${env.BATON_SIGNING_KEY ?? ""}`;
}

async function fingerprint(env: Env): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`baton-session-token:${env.BATON_API_TOKEN ?? ""}`));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
