// Signed event URLs (eventUrl()): a plain POST with no token resumes the run once; a
// second use, a tampered or expired token, a token for another incarnation are refused;
// GET delivers nothing; the URL is the same after the run object is rebuilt.
import { evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventUrlDelivery } from "baton-workflows";
import { signToken } from "../../src/signed-token.ts";
import type { EventUrlClaim } from "../../src/event-urls/event-url-token.ts";
import { api, getRun, runStub, startRun, waitForRun } from "./helpers.ts";

const KEY = "test-signing-key";

/** The URL the run announced through its "announce" task, read with the API token as its author would. */
async function announcedUrl(id: string): Promise<string> {
  await waitForRun(id, (run) => run.status === "waiting");
  const response = await api(`/api/runs/${id}/steps/${encodeURIComponent("announce#0")}`);
  expect(response.status).toBe(200);
  const { output } = (await response.json()) as { output: unknown };
  if (typeof output !== "string") throw new Error(`announce output is not a URL: ${JSON.stringify(output)}`);
  return output;
}

/** A POST as a webhook sender makes it: no Authorization, no Origin. */
function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

function claimOf(url: string): EventUrlClaim {
  const token = url.slice(url.lastIndexOf("/") + 1);
  const payload = token.split(".")[0] ?? "";
  return JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as EventUrlClaim;
}

describe("event URLs", () => {
  it("a plain POST with no token resumes the run once, with payload, raw body and headers; a second POST is refused", async () => {
    const id = await startRun("paid", {});
    const url = await announcedUrl(id);
    expect(url).toMatch(/^https:\/\/baton\.test\/events\/[\w-]+\.[\w-]+$/);
    // Recorded: the run object rebuilt from its log hands the body the same URL.
    await evictDurableObject(runStub(id));
    await getRun(id);
    expect(await announcedUrl(id)).toBe(url);
    expect((await getRun(id)).steps.find((step) => step.key === "eventUrl#0")).toMatchObject({ kind: "step", status: "completed", attempts: 1 });

    // GET describes and delivers nothing.
    const described = await SELF.fetch(url);
    expect(described.status).toBe(200);
    expect(await described.json()).toMatchObject({ event: "paid", once: true, method: "POST" });
    expect((await getRun(id)).status).toBe("waiting");

    const body = JSON.stringify({ type: "checkout.session.completed", amount: 4200 });
    const first = await post(url, body, { "Stripe-Signature": "t=1,v1=abc", Cookie: "session=secret", Authorization: "Bearer nope" });
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ deliveredTo: "paid#0", event: "paid", runId: id });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    const [delivery] = (run.output as { url: string; deliveries: EventUrlDelivery[] }).deliveries;
    expect(delivery?.payload).toEqual({ type: "checkout.session.completed", amount: 4200 });
    expect(delivery?.raw).toBe(body);
    expect(delivery?.headers["stripe-signature"]).toBe("t=1,v1=abc");
    expect(delivery?.headers["content-type"]).toBe("application/json");
    expect(delivery?.headers).not.toHaveProperty("cookie");
    expect(delivery?.headers).not.toHaveProperty("authorization");

    // Used once: a retry of the same body, or another body, is refused and delivers nothing.
    const again = await post(url, body);
    expect(again.status).toBe(410);
    expect(await errorCode(again)).toBe("event_url_used");
    const other = await post(url, "{}");
    expect(other.status).toBe(410);
    expect(await errorCode(other)).toBe("event_url_used");
  });

  it("a second POST to a used once-URL is refused while the run still waits for more of that event", async () => {
    const id = await startRun("paid", { deliveries: 2 });
    const url = await announcedUrl(id);
    expect((await post(url, "")).status).toBe(202);
    const again = await post(url, '{"n":2}');
    expect(again.status).toBe(410);
    expect(await errorCode(again)).toBe("event_url_used");
    const run = await waitForRun(id, (r) => r.steps.some((step) => step.key === "paid#1"));
    expect(run.status).toBe("waiting");
    expect((await api(`/api/runs/${id}/steps/${encodeURIComponent("paid#0")}`).then((r) => r.json()) as { output: EventUrlDelivery }).output.payload).toBeNull();
  });

  it("with once: false every POST delivers; a body that is not JSON comes as raw text with payload null", async () => {
    const id = await startRun("paid", { once: false, deliveries: 2 });
    const url = await announcedUrl(id);
    expect((await post(url, "amount=1&currency=eur", { "Content-Type": "application/x-www-form-urlencoded" })).status).toBe(202);
    expect((await post(url, '{"n":2}')).status).toBe(202);
    const run = await waitForRun(id);
    const { deliveries } = run.output as { deliveries: EventUrlDelivery[] };
    expect(deliveries.map((d) => [d.payload, d.raw])).toEqual([[null, "amount=1&currency=eur"], [{ n: 2 }, '{"n":2}']]);
  });

  it("refuses a tampered, an expired, another incarnation's and an approval link's token, and delivers nothing", async () => {
    const id = await startRun("paid", {});
    const url = await announcedUrl(id);
    const base = url.slice(0, url.lastIndexOf("/") + 1);
    const claim = claimOf(url);
    expect(claim).toMatchObject({ run: id, event: "paid", key: "eventUrl#0", once: true });

    const [payload, signature] = url.slice(base.length).split(".");
    const forged = { ...claim, event: "other" };
    const tampered = await post(`${base}${btoa(JSON.stringify(forged)).replace(/=+$/, "")}.${signature}`, "{}");
    expect(tampered.status).toBe(404);
    expect(await errorCode(tampered)).toBe("event_url_not_found");
    const badSignature = await post(`${base}${payload}.${signature?.slice(0, -2)}AA`, "{}");
    expect(badSignature.status).toBe(404);

    const expired = await post(`${base}${await signToken(KEY, "event", { ...claim, expires: Date.now() - 1000 })}`, "{}");
    expect(expired.status).toBe(410);
    expect(await errorCode(expired)).toBe("event_url_expired");

    const otherIncarnation = await post(`${base}${await signToken(KEY, "event", { ...claim, inc: "not-this-one" })}`, "{}");
    expect(otherIncarnation.status).toBe(404);
    expect(await errorCode(otherIncarnation)).toBe("event_url_not_found");

    // The same claim signed for another purpose (an approval link's) is not an event URL.
    const approvalToken = await post(`${base}${await signToken(KEY, "", claim)}`, "{}");
    expect(approvalToken.status).toBe(404);

    expect((await getRun(id)).status).toBe("waiting");
    // The real URL still works after all that.
    expect((await post(url, '{"ok":true}')).status).toBe(202);
    expect((await waitForRun(id)).status).toBe("completed");
  });
});
