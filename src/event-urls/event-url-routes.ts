// The routes behind signed event URLs (eventUrl()): a POST delivers its body, headers
// and raw text as the URL's event to its run; GET only describes the URL. The signed
// token is the only credential, so these need no bearer token, and they answer JSON
// errors with stable codes, as the API does (the senders are programs, not people).

import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { encodeJson, MAX_JSON_BYTES, receivedJsonProblem, type Json } from "baton-workflows/engine";
import { ApiError } from "../api/api-error.ts";
import { readText } from "../api/request-body.ts";
import { MAX_INPUT_BYTES } from "../api/schemas.ts";
import type { Env } from "../env.ts";
import { listedRun } from "../run-list/run-list.ts";
import { iso } from "../runs/run-view.ts";
import { verifyEventToken, type EventUrlClaim } from "./event-url-token.ts";

type AppEnv = { Bindings: Env };

/** Headers never handed to the body: a browser's credentials are no business of a workflow. */
const WITHHELD_HEADERS = new Set(["cookie", "authorization"]);

/** The URL's claim, or the refusal that explains why not (404 for a token this deployment did not sign, 410 past its expiry). */
async function claimOf(c: Context<AppEnv>): Promise<EventUrlClaim> {
  const secret = c.env.BATON_SIGNING_KEY;
  if (!secret) throw new ApiError(503, "signing_key_unset", "this deployment has no BATON_SIGNING_KEY, so it cannot check event URLs");
  const verified = await verifyEventToken(secret, c.req.param("token") ?? "", Date.now());
  if (verified.ok) return verified.claim;
  if (verified.problem === "expired") throw new ApiError(410, "event_url_expired", "this event URL has expired; nothing was delivered");
  throw new ApiError(404, "event_url_not_found", "no such event URL (it is damaged or was not issued by this deployment); nothing was delivered");
}

/** What the run's waitForEvent() resolves with: the body parsed (null when empty or not JSON), its text, the headers. */
function deliveryOf(c: Context<AppEnv>, raw: string): Json {
  let payload: Json = null;
  if (raw.trim() !== "") {
    try {
      const parsed = JSON.parse(raw) as Json;
      // Values no checkpoint may keep (too deep, 1e400) are left to `raw`.
      if (receivedJsonProblem(parsed) === null) payload = parsed;
    } catch {
      // Not JSON (a form-encoded webhook): the body reads `raw`.
    }
  }
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    if (!WITHHELD_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  });
  return { payload, raw, headers };
}

/** The `/events` routes. */
export function eventUrlRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Describes the URL and delivers nothing: link previews and curious people GET what they are given.
  app.get("/:token", async (c) => {
    const claim = await claimOf(c);
    return c.json({ event: claim.event, once: claim.once, expiresAt: iso(claim.expires), method: "POST", note: "POST a body (JSON, or any text) to this URL to send it to the run as this event" });
  });

  const limitBody = bodyLimit({
    maxSize: MAX_INPUT_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `the request body is over ${MAX_INPUT_BYTES} bytes`);
    },
  });

  app.post("/:token", limitBody, async (c) => {
    const claim = await claimOf(c);
    const delivery = deliveryOf(c, await readText(c));
    // The body, its parsed form and the headers are kept as one checkpoint, which has a limit of its own.
    const size = new TextEncoder().encode(encodeJson(delivery) ?? "").length;
    if (size > MAX_JSON_BYTES) throw new ApiError(413, "payload_too_large", `the body, its parsed JSON and its headers take ${size} bytes as an event, over ${MAX_JSON_BYTES}; send a smaller body`);
    // A deleted run is not listed: its URL wakes no object.
    const run = await listedRun(c.env, claim.run);
    // One fingerprint for every POST: any second use is a repeat, whatever its body. A space keeps the key apart from any Idempotency-Key (visible ASCII only).
    const once = claim.once ? { key: `event-url ${claim.key}`, fingerprint: "event-url" } : undefined;
    const result = run ? await run.sendEvent(claim.event, delivery, once, claim.inc ?? null) : { status: "run_not_found" as const };
    switch (result.status) {
      case "accepted":
        if (result.repeated) throw new ApiError(410, "event_url_used", "this event URL was used already and delivers once; nothing was delivered");
        return c.json({ deliveredTo: result.deliveredTo, event: claim.event, runId: claim.run }, 202);
      case "idempotency_conflict":
        throw new ApiError(410, "event_url_used", "this event URL was used already and delivers once; nothing was delivered");
      case "run_not_found":
        throw new ApiError(404, "event_url_not_found", "the run this event URL was issued for no longer exists; nothing was delivered");
      case "run_not_active":
        throw new ApiError(409, "run_not_active", `the run already ended as ${result.run.status}; it takes no events`);
      case "inbox_full":
        throw new ApiError(429, "inbox_full", `no wait takes event "${claim.event}" now and ${result.message}`);
    }
  });

  return app;
}
