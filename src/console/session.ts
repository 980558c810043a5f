// The console's session: a signed cookie holding its expiry, a fingerprint of the API
// token it was opened with and the session's id, which the AccessGuard object keeps
// while the session is open. So it ends after 12 hours, when the token changes, or when
// it signs out (a copied cookie opens nothing after that).

import { host } from "../host.ts";
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

/** Opens a session and sets its cookie: HttpOnly, SameSite=Strict, Secure on https, 12 hours. */
export async function openSession(c: ConsoleContext, now: number): Promise<void> {
  const id = crypto.randomUUID();
  await sessions(c.env).open(id, now + SESSION_MS, now);
  const value = `${now + SESSION_MS}.${await fingerprint(c.env)}.${id}`;
  await setSignedCookie(c, COOKIE, value, cookieKey(c.env), {
    path: host.basePath || "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: SESSION_MS / 1000,
  });
}

/** True when the request carries a session this deployment signed, unexpired, for the current API token, and still open. */
export async function hasSession(c: ConsoleContext, now: number): Promise<boolean> {
  const id = await sessionId(c, now);
  return id !== null && (await sessions(c.env).isOpen(id, now));
}

/** Ends the session for good (its cookie, wherever it was copied, opens nothing after this) and clears it in this browser. */
export async function closeSession(c: ConsoleContext, now: number): Promise<void> {
  const id = await sessionId(c, now);
  if (id !== null) await sessions(c.env).close(id);
  deleteCookie(c, COOKIE, { path: host.basePath || "/", secure: new URL(c.req.url).protocol === "https:" });
}

/** The id of the session the request's cookie names, when this deployment signed it, for the current token, unexpired. */
async function sessionId(c: ConsoleContext, now: number): Promise<string | null> {
  if (sessionsUnavailable(c.env)) return null;
  const value = await getSignedCookie(c, cookieKey(c.env), COOKIE);
  if (typeof value !== "string") return null;
  const [expires, print, id] = value.split(".");
  return Number(expires) > now && print === (await fingerprint(c.env)) && id ? id : null;
}

/** The object that keeps the open sessions. */
function sessions(env: Env) {
  return env.ACCESS_GUARD.get(env.ACCESS_GUARD.idFromName("sessions"));
}

// Its own key: nothing else signed with BATON_SIGNING_KEY (approval links) can pass as a session.
function cookieKey(env: Env): string {
  return `baton-console-session:${env.BATON_SIGNING_KEY ?? ""}`;
}

async function fingerprint(env: Env): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`baton-session-token:${env.BATON_API_TOKEN ?? ""}`));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
