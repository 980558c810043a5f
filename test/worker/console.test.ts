// The console's pages over HTTP in workerd: sign-in and the session cookie, every page
// behind it, what the run page shows, its actions, and the protections on every
// response. (The same flows in a real browser are in test/browser/.)
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Browser, ORIGIN } from "./console-browser.ts";
import { getRun, startRun, TOKEN, waitForRun } from "./helpers.ts";

describe("the console", () => {
  it("shows a sign-in form without a session, and the API token opens a 12-hour HttpOnly, SameSite=Strict, Secure session", async () => {
    const browser = new Browser();
    const page = await browser.get("/");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<input[^>]*name="token"/);
    expect(html).toMatch(/<button[^>]*>\s*Sign in\s*<\/button>/);

    const response = await browser.post("/sign-in", { token: TOKEN, next: "/workflows" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/workflows");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^baton_session=[^;]+;/);
    expect(cookie).toContain("Max-Age=43200");
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("Path=/");
    expect(await (await browser.get("/")).text()).toContain("<h1>Runs</h1>");
  });

  it("refuses a wrong token with a message and no session, and a tampered cookie as no session", async () => {
    const browser = new Browser();
    const wrong = await browser.post("/sign-in", { token: "not-the-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That is not this deployment&#39;s API token.");

    const real = await Browser.signedIn();
    const [name, value = ""] = real.cookie.split("=");
    const [expires = "", rest = ""] = decodeURIComponent(value).split(".");
    // A later expiry under the old signature is not a session.
    real.cookie = `${name}=${encodeURIComponent(`${Number(expires) + 1000}.${rest}`)}`;
    const page = await real.get("/runs/anything");
    expect(page.status).toBe(401);
    expect(await page.text()).toMatch(/name="next" value="\/runs\/anything"/);
  });

  it("keeps every page and action behind the session", async () => {
    const stranger = new Browser();
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "waiting");
    for (const path of [`/runs/${id}`, `/runs/${id}/live`, `/runs/${id}/steps/approval%230`, "/workflows"]) {
      const page = await stranger.get(path);
      expect(page.status, path).toBe(401);
      const html = await page.text();
      expect(html, path).toMatch(/<input[^>]*name="token"/);
      expect(html, path).not.toContain("Ship ");
    }
    for (const [path, form] of [
      [`/runs/${id}/cancel`, {}],
      [`/runs/${id}/approvals/approval%230`, { decision: "approve" }],
      ["/workflows/start", { workflow: "approval", input: "{}" }],
    ] as const) {
      expect((await stranger.post(path, form)).status, path).toBe(401);
    }
    expect((await getRun(id)).status).toBe("waiting");
  });

  it("lists runs newest first with workflow, status, start, duration and a link to each, filtered and paged", async () => {
    const browser = await Browser.signedIn();
    const tag = crypto.randomUUID();
    const first = await startRun("chatty", { name: tag });
    const second = await startRun("chatty", { name: tag });
    await waitForRun(first);
    await waitForRun(second);
    const html = await (await browser.get("/?workflow=chatty&status=completed")).text();
    expect(html).toContain(`href="/runs/${second}"`);
    expect(html.indexOf(second)).toBeLessThan(html.indexOf(first));
    expect(html).toMatch(/<option value="chatty" selected="">chatty<\/option>/);
    expect(html).not.toContain('class="badge s-failed"');
    const paged = await (await browser.get("/?workflow=chatty")).text();
    expect(paged).toContain("Duration");
    expect(await (await browser.get("/?workflow=no-such")).text()).toContain("No runs match these filters.");
  });

  it("shows a run's input, output, each task's output and the lines it printed, a timeline and errors with causes", async () => {
    const browser = await Browser.signedIn();
    const id = await startRun("chatty", { name: "<b>Ada</b>" });
    await waitForRun(id);
    const page = await browser.get(`/runs/${id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // Values are escaped, never markup.
    expect(html).not.toContain("<b>Ada</b>");
    expect(html).toContain("hello &lt;b&gt;Ada&lt;/b&gt;");
    expect(html).toContain("greet#0");
    expect(html).toMatch(/#1 log {3}hello &lt;b&gt;Ada&lt;\/b&gt;/);
    expect(html).toContain("attempt 2");
    expect(html).toContain("attempt 1 failed");
    expect(html).toContain("refused");
    expect(html).toContain("caused by");
    expect(html).toContain("policy");
    // The timeline: a bar per attempt, the retried step's failed attempt in its own colour.
    expect(html).toContain("<h2>Timeline</h2>");
    expect(html).toMatch(/<rect class="bad"[^>]*><title>attempt 1: ran [^<]*, failed: Error: not yet<\/title>/);
    expect(html).toMatch(/<rect class="ok"[^>]*><title>attempt 2: ran/);
    expect(html).toContain('data-ended="true"');
    expect(html).not.toContain(">Cancel<");
    const step = await (await browser.get(`/runs/${id}/steps/${encodeURIComponent("count#0")}`)).text();
    expect(step).toContain("attempt 1");
    expect(step).toContain("not yet");
  });

  it("shows a big run's steps 100 at a time, with links to the others", async () => {
    const browser = await Browser.signedIn();
    const id = await startRun("steps100", { tag: crypto.randomUUID(), n: 250 });
    await waitForRun(id);
    const first = await (await browser.get(`/runs/${id}`)).text();
    expect(first).toContain("Steps 1–100 of 250");
    expect(first).toContain("250 completed");
    expect(first).toContain(`href="/runs/${id}?from=100"`);
    expect(first.match(/<div class="step" id=/g)).toHaveLength(100);
    expect(first).toContain('id="step-step#99"');
    expect(first).not.toContain('id="step-step#100"');
    const last = await (await browser.get(`/runs/${id}?from=200`)).text();
    expect(last).toContain("Steps 201–250 of 250");
    expect(last.match(/<div class="step" id=/g)).toHaveLength(50);
    expect(last).toContain('id="step-step#249"');
    expect(last).toContain(`data-src="/runs/${id}/live?from=200"`);
  });

  it("approves and cancels from a run's page, answering the page again", async () => {
    const browser = await Browser.signedIn();
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "waiting");
    const html = await (await browser.get(`/runs/${id}`)).text();
    expect(html).toMatch(/<button[^>]*value="approve"[^>]*>\s*Approve/);
    expect(html).toMatch(/<button[^>]*>\s*Cancel\s*<\/button>/);
    expect(html).toContain(`data-src="/runs/${id}/live"`);
    const approved = await browser.post(`/runs/${id}/approvals/${encodeURIComponent("approval#0")}`, { decision: "approve", comment: "ok from the console" });
    expect(approved.status).toBe(303);
    expect(approved.headers.get("location")).toBe(`/runs/${id}`);
    const run = await waitForRun(id);
    expect(run.output).toMatchObject({ decision: { approved: true, comment: "ok from the console", by: "console" } });
    const again = await browser.post(`/runs/${id}/approvals/${encodeURIComponent("approval#0")}`, { decision: "reject" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("Nothing was changed.");

    const other = await startRun("approval", { tag: crypto.randomUUID() });
    await waitForRun(other, (r) => r.status === "waiting");
    expect((await browser.post(`/runs/${other}/cancel`, {})).status).toBe(303);
    expect((await getRun(other)).status).toBe("cancelled");
    const live = await (await browser.get(`/runs/${other}/live`)).text();
    expect(live).toContain('data-ended="true"');
    expect(live).not.toContain("<html");
  });

  it("shows a waiting event and sends it from the run's page", async () => {
    const browser = await Browser.signedIn();
    const id = await startRun("events", { pause: 0 });
    await waitForRun(id, (run) => run.events.length === 1);
    const html = await (await browser.get(`/runs/${id}`)).text();
    expect(html).toContain("Waiting for event");
    expect(html).toMatch(/<input type="hidden" name="name" value="ping"/);
    const bad = await browser.post(`/runs/${id}/events`, { name: "ping", payload: "{nope" });
    expect(bad.status).toBe(409);
    expect(await bad.text()).toContain("The payload is not JSON");
    for (const n of [1, 2]) expect((await browser.post(`/runs/${id}/events`, { name: "ping", payload: JSON.stringify({ n }) })).status).toBe(303);
    expect((await waitForRun(id)).output).toMatchObject({ first: { n: 1 }, second: { n: 2 } });
  });

  it("refuses a form posted from another site, changing nothing", async () => {
    const browser = await Browser.signedIn();
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    await waitForRun(id, (run) => run.status === "waiting");
    const forged = await browser.post(`/runs/${id}/cancel`, {}, "https://evil.example");
    expect(forged.status).toBe(403);
    const login = await new Browser().post("/sign-in", { token: TOKEN }, "https://evil.example");
    expect(login.status).toBe(403);
    expect(login.headers.get("set-cookie")).toBeNull();
    expect((await getRun(id)).status).toBe("waiting");
  });

  it("starts a run from a workflow's form and shows bad JSON on the form", async () => {
    const browser = await Browser.signedIn();
    const html = await (await browser.get("/workflows")).text();
    expect(html).toMatch(/<legend><h2>chatty<\/h2><\/legend>/);
    expect(html).toMatch(/<textarea[^>]*name="input"/);
    expect(html).toMatch(/<button[^>]*>\s*Start\s*<\/button>/);
    const started = await browser.post("/workflows/start", { workflow: "chatty", input: '{"name":"Form"}' });
    expect(started.status).toBe(303);
    const id = /^\/runs\/([\w-]+)$/.exec(started.headers.get("location") ?? "")?.[1] ?? "";
    expect((await waitForRun(id)).output).toMatchObject({ greeting: "hello Form" });
    const bad = await browser.post("/workflows/start", { workflow: "chatty", input: "{name: Form}" });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toContain("The input is not JSON");
    expect(page).toContain("{name: Form}</textarea>");
  });

  it("carries the security headers on every page, and leaves the API's responses alone", async () => {
    const browser = await Browser.signedIn();
    for (const path of ["/", "/workflows"]) {
      const page = await browser.get(path);
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'nonce-/);
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const api = await SELF.fetch(`${ORIGIN}/api/workflows`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(200);
    expect(api.headers.get("content-security-policy")).toBeNull();
    // A bodiless API post is not a form: the cross-site check leaves it to the bearer token.
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    const cancel = await SELF.fetch(`${ORIGIN}/api/runs/${id}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(cancel.status).toBe(200);
  });
});
