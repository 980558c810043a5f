// Approval links: signed, expiring, one decision, and GET never decides.
import { evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { signApprovalToken } from "../../src/approvals/approval-token.ts";
import { getRun, hits, runStub, startRun, waitForRun } from "./helpers.ts";

interface Approval {
  key: string;
  approveUrl: string;
  rejectUrl: string;
  expiresAt: string;
}

async function waitingApproval(id: string): Promise<Approval> {
  const run = await waitForRun(id, (r) => r.status === "waiting");
  const approval = run.approvals[0];
  if (!approval?.approveUrl || !approval.rejectUrl) throw new Error(`no approval with links listed: ${JSON.stringify(run.approvals)}`);
  return { key: approval.key, approveUrl: approval.approveUrl, rejectUrl: approval.rejectUrl, expiresAt: approval.expiresAt };
}

/** Posts the page's form as a browser does from the page itself: with its Origin. */
function post(url: string, comment?: string, origin = new URL(url).origin): Promise<Response> {
  const body = new URLSearchParams(comment === undefined ? {} : { comment });
  return SELF.fetch(url, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin } });
}

describe("approval links", () => {
  it("open a page that decides nothing; its Approve button decides and the run resumes", async () => {
    const tag = crypto.randomUUID();
    const id = await startRun("approval", { tag });
    const approval = await waitingApproval(id);
    expect(approval.approveUrl).toMatch(/^https:\/\/baton\.test\/approvals\/[\w-]+\.[\w-]+$/);
    expect(approval.rejectUrl).not.toBe(approval.approveUrl);

    const page = await SELF.fetch(approval.approveUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain(`Ship ${tag}?`);
    expect(html).toContain("approval");
    expect(html).toContain(id);
    expect(html).toContain("ops@example.com");
    expect(html).toContain(`&quot;tag&quot;: &quot;${tag}&quot;`);
    expect(html).toMatch(/<button[^>]*formaction="\/approvals\/[^"]+"[^>]*>\s*Approve/);
    expect(html).toMatch(/<button[^>]*formaction="\/approvals\/[^"]+"[^>]*>\s*Reject/);
    // A mail scanner fetching the link twice changes nothing.
    await SELF.fetch(approval.approveUrl);
    expect((await getRun(id)).status).toBe("waiting");

    const approveAction = /formaction="([^"]+)"[^>]*>\s*Approve/.exec(html)?.[1] ?? "";
    const decided = await post(`https://baton.test${approveAction}`, "looks good");
    expect(decided.status).toBe(200);
    expect(await decided.text()).toContain("Approved");
    const run = await waitForRun(id);
    expect(run.output).toMatchObject({ decision: { approved: true, decision: "approved", comment: "looks good" } });
    expect(await hits(`${tag}:after`)).toBe(1);
  });

  it("reject through the page's Reject button reached from the approve link", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    const approval = await waitingApproval(id);
    const html = await (await SELF.fetch(approval.approveUrl)).text();
    const rejectAction = /formaction="([^"]+)"[^>]*>\s*Reject/.exec(html)?.[1] ?? "";
    expect((await post(`https://baton.test${rejectAction}`)).status).toBe(200);
    expect((await waitForRun(id)).output).toMatchObject({ decision: { approved: false, decision: "rejected" } });
  });

  it("work once: a second use shows already decided and changes nothing", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    const approval = await waitingApproval(id);
    expect((await post(approval.rejectUrl)).status).toBe(200);
    const again = await post(approval.approveUrl);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already decided: rejected");
    const page = await SELF.fetch(approval.approveUrl);
    expect(page.status).toBe(409);
    expect((await waitForRun(id)).output).toMatchObject({ decision: { decision: "rejected" } });
  });

  it("refuse a tampered or foreign token (403) and an expired one (410), changing nothing", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    const approval = await waitingApproval(id);
    const token = approval.approveUrl.split("/approvals/")[1] ?? "";
    const [payload, signature] = token.split(".");
    const forged = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const tampered = `${btoa(JSON.stringify({ ...forged, decision: "reject" })).replace(/=+$/, "")}.${signature}`;
    const claim = { run: id, key: "approval#0", decision: "approve" as const, expires: Date.now() + 60_000 };
    const foreign = await signApprovalToken("someone-elses-key", claim);
    const expired = await signApprovalToken("test-signing-key", { ...claim, expires: Date.now() - 1 });
    for (const [bad, status] of [[tampered, 403], [foreign, 403], ["garbage", 403], [expired, 410]] as const) {
      const get = await SELF.fetch(`https://baton.test/approvals/${bad}`);
      expect(get.status).toBe(status);
      const posted = await post(`https://baton.test/approvals/${bad}`);
      expect(posted.status).toBe(status);
    }
    expect((await getRun(id)).status).toBe("waiting");
  });

  it("refuse a form posted from another site, or with no origin at all, deciding nothing", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    const approval = await waitingApproval(id);
    const foreign = await post(approval.approveUrl, "sneaky", "https://evil.example");
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain("sent from another site");
    const bare = await SELF.fetch(approval.approveUrl, { method: "POST", body: new URLSearchParams({ comment: "x" }) });
    expect(bare.status).toBe(403);
    const crossSite = await SELF.fetch(approval.approveUrl, { method: "POST", body: new URLSearchParams({}), headers: { "Sec-Fetch-Site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    expect((await getRun(id)).status).toBe("waiting");
  });

  it("serve pages that cannot be framed, cached, sniffed or leak the link as a referrer", async () => {
    const id = await startRun("approval", { tag: crypto.randomUUID() });
    const approval = await waitingApproval(id);
    const page = await SELF.fetch(approval.approveUrl);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'nonce-[^']+'/);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    // The page's own style carries the nonce the policy names, so it still applies.
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? "";
    expect(await page.text()).toContain(`<style nonce="${nonce}">`);
  });
});

describe("approval links in dev", () => {
  it("are printed once, whole, when they point at the local dev server, and never for a deployment", async () => {
    const printed = vi.spyOn(console, "log");
    try {
      const start = async (origin: string) => {
        const id = crypto.randomUUID();
        await runStub(id).start({ id, workflow: "approval", input: { tag: crypto.randomUUID() }, idempotencyKey: null, origin });
        await waitingApproval(id);
        // Evicted and replayed, the approval is not begun again, so not printed again.
        await evictDurableObject(runStub(id));
        await runStub(id).control().elapse(0);
        await waitForRun(id, (run) => run.status === "waiting");
        return id;
      };
      const local = await start("http://127.0.0.1:8787");
      const deployed = await start("https://baton.example.com");
      await vi.waitFor(() => expect(printed.mock.calls.some(([line]) => String(line).includes(local))).toBe(true));
      const lines = printed.mock.calls.map(([line]) => String(line));
      const mine = lines.filter((line) => line.includes(local));
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatch(new RegExp(`^baton: run ${local} waits for approval "approval#0"\\n  approve: http://127\\.0\\.0\\.1:8787/approvals/\\S+\\n  reject:  http://127\\.0\\.0\\.1:8787/approvals/\\S+$`));
      expect(lines.some((line) => line.includes(deployed))).toBe(false);
    } finally {
      printed.mockRestore();
    }
  });
});
