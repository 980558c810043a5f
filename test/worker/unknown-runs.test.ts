// Requests for a run id that was never started answer 404 and leave nothing behind: no
// run object is woken (which would create its storage), whether over the API, the
// console or an approval link; so made-up ids cannot grow storage.
import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signApprovalToken } from "../../src/approvals/approval-token.ts";
import { Browser } from "./console-browser.ts";
import { api, startRun, waitForRun } from "./helpers.ts";

const runObjects = async () => (await listDurableObjectIds(env.RUNS)).length;

describe("unknown run ids", () => {
  it("every API route for an id never started answers 404 run_not_found and wakes no run object", async () => {
    const before = await runObjects();
    for (let i = 0; i < 20; i++) {
      const id = `never-${crypto.randomUUID()}`;
      const calls: [string, RequestInit & { json?: unknown }][] = [
        [`/api/runs/${id}`, {}],
        [`/api/runs/${id}/steps`, {}],
        [`/api/runs/${id}/steps/${encodeURIComponent("a#0")}`, {}],
        [`/api/runs/${id}/cancel`, { method: "POST" }],
        [`/api/runs/${id}/restart`, { method: "POST" }],
        [`/api/runs/${id}/events/ping`, { method: "POST", json: { payload: 1 } }],
        [`/api/runs/${id}/approvals/${encodeURIComponent("ok#0")}`, { method: "POST", json: { approved: true } }],
        [`/api/runs/${id}`, { method: "DELETE" }],
      ];
      for (const [path, init] of calls) {
        const response = await api(path, init);
        expect([path, init.method ?? "GET", response.status]).toEqual([path, init.method ?? "GET", 404]);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe("run_not_found");
      }
    }
    expect(await runObjects()).toBe(before);
  });

  it("the console's pages and forms and an approval link for an id never started answer 404 and wake no run object", async () => {
    const browser = await Browser.signedIn();
    const before = await runObjects();
    for (let i = 0; i < 10; i++) {
      const id = `never-${crypto.randomUUID()}`;
      for (const path of [`/runs/${id}`, `/runs/${id}/live`, `/runs/${id}/steps/a%230`]) expect([path, (await browser.get(path)).status]).toEqual([path, 404]);
      for (const [path, form] of [
        [`/runs/${id}/cancel`, {}],
        [`/runs/${id}/restart`, {}],
        [`/runs/${id}/delete`, {}],
        [`/runs/${id}/events`, { name: "ping", payload: "1" }],
        [`/runs/${id}/approvals/ok%230`, { decision: "approve" }],
      ] as const) {
        expect([path, (await browser.post(path, form)).status]).toEqual([path, 404]);
      }
      const token = await signApprovalToken("test-signing-key", { run: id, key: "ok#0", decision: "approve", expires: Date.now() + 60_000 });
      expect((await browser.get(`/approvals/${token}`)).status).toBe(404);
      expect((await browser.post(`/approvals/${token}`, {})).status).toBe(404);
    }
    expect(await runObjects()).toBe(before);
  });

  it("a run that exists is still found by every route once its start was answered", async () => {
    const id = await startRun("chain", { n: 1 });
    await waitForRun(id);
    expect((await api(`/api/runs/${id}`)).status).toBe(200);
    expect((await api(`/api/runs/${id}/steps`)).status).toBe(200);
    expect((await (await Browser.signedIn()).get(`/runs/${id}`)).status).toBe(200);
  });
});
