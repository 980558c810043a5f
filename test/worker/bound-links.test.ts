// Links and sessions bound to what they were issued for: an approval link from a deleted
// run decides nothing on a new run that gets the same id; signing out ends the session
// for a copied cookie too; wrong tokens are limited per client address (5 at once, then
// one every 6 s) with 429 and Retry-After, for the API and the console's sign-in alike.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FAILURE_REFILL_MS, FREE_FAILURES } from "../../src/api/access-guard.ts";
import { Browser, ORIGIN } from "./console-browser.ts";
import { api, getRun, pause, TOKEN, waitForRun } from "./helpers.ts";

function post(url: string): Promise<Response> {
  return SELF.fetch(url, { method: "POST", body: new URLSearchParams(), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: new URL(url).origin } });
}

/** Starts the approval workflow under Idempotency-Key `key` and answers its id and approve link once it waits. */
async function waitingApproval(key: string, tag: string): Promise<{ id: string; approveUrl: string }> {
  const started = await api("/api/runs", { method: "POST", json: { workflow: "approval", input: { tag } }, headers: { "Idempotency-Key": key } });
  expect(started.status).toBe(201);
  const id = ((await started.json()) as { id: string }).id;
  const run = await waitForRun(id, (r) => r.status === "waiting");
  return { id, approveUrl: run.approvals[0]?.approveUrl ?? "" };
}

/** An API call from the client address `address`. */
function from(address: string, token: string): Promise<Response> {
  return api("/api/workflows", { headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": address } });
}

describe("links bound to the run they were issued for", () => {
  it("an approval link of a deleted run decides nothing on the new run under the same id (410), and the new run's link does", async () => {
    const key = `bound-${crypto.randomUUID()}`;
    const tag = crypto.randomUUID();
    const first = await waitingApproval(key, tag);
    expect((await api(`/api/runs/${first.id}/cancel`, { method: "POST" })).status).toBe(200);
    await waitForRun(first.id);
    for (let i = 0; ; i++) {
      const deleted = await api(`/api/runs/${first.id}`, { method: "DELETE" });
      if (deleted.status === 204) break;
      if (i > 50) throw new Error(`DELETE kept answering ${deleted.status}`);
      await pause(50);
    }
    // Deleted: the old link finds no run.
    expect((await SELF.fetch(first.approveUrl)).status).toBe(404);
    const second = await waitingApproval(key, tag);
    expect(second.id).toBe(first.id);
    const page = await SELF.fetch(first.approveUrl);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("earlier run");
    expect((await post(first.approveUrl)).status).toBe(410);
    expect((await getRun(second.id)).status).toBe("waiting");
    expect((await post(second.approveUrl)).status).toBe(200);
    expect((await waitForRun(second.id)).output).toMatchObject({ decision: { approved: true } });
  });
});

describe("sessions", () => {
  it("signing out ends the session: the same cookie, copied elsewhere, opens nothing after", async () => {
    const browser = await Browser.signedIn();
    const copied = new Browser();
    copied.cookie = browser.cookie;
    expect((await copied.get("/workflows")).status).toBe(200);
    expect((await browser.post("/sign-out", {})).status).toBe(303);
    const after = await copied.get("/workflows");
    expect(after.status).toBe(401);
    expect(await after.text()).toMatch(/<input[^>]*name="token"/);
    // Another session is not touched by it.
    const other = await Browser.signedIn();
    expect((await other.get("/workflows")).status).toBe(200);
  });
});

describe("wrong tokens are limited per client address", () => {
  it(`the API answers 401 to ${FREE_FAILURES} wrong tokens, then 429 with Retry-After, a right token too, until the wait is over; other addresses are not affected`, async () => {
    const address = `198.51.100.${Math.floor(Math.random() * 200)}`;
    for (let i = 0; i < FREE_FAILURES; i++) expect((await from(address, "wrong")).status).toBe(401);
    const limited = await from(address, "wrong");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(FAILURE_REFILL_MS / 1000);
    expect(await limited.json()).toMatchObject({ error: { code: "too_many_attempts" } });
    expect((await from(address, TOKEN)).status).toBe(429);
    expect((await from("203.0.113.9", TOKEN)).status).toBe(200);
    await pause(retryAfter * 1000 + 100);
    expect((await from(address, TOKEN)).status).toBe(200);
  });

  it(`the console's sign-in answers 401 to ${FREE_FAILURES} wrong tokens, then 429 with Retry-After and no session`, async () => {
    const address = `192.0.2.${Math.floor(Math.random() * 200)}`;
    const signIn = (token: string) =>
      SELF.fetch(`${ORIGIN}/sign-in`, { method: "POST", body: new URLSearchParams({ token, next: "/" }), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, "CF-Connecting-IP": address }, redirect: "manual" });
    for (let i = 0; i < FREE_FAILURES; i++) expect((await signIn("wrong")).status).toBe(401);
    const limited = await signIn(TOKEN);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited.headers.get("set-cookie")).toBeNull();
    expect(await limited.text()).toContain("Too many wrong tokens");
  });
});
