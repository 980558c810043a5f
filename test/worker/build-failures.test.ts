// A workflow file that does not build (an edit in dev) answers at once: every request
// for it gets 503 workflow_build_failed with the file, line, column and message, the
// console shows it on the Workflows page and in a banner on every page, the other
// workflows keep running, and a run already in flight waits for the file to build again
// instead of failing. The failure is noted the way `createBaton({ broken })` notes what
// `baton build` left out (registry.addBroken); the build itself is tested in core.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { registry } from "../../src/registry.ts";
import { Browser } from "./console-browser.ts";
import { api, getRun, runStub, startRun, waitForRun } from "./helpers.ts";

const failure = { file: "workflows/typo.ts", line: 4, column: 13, message: 'Unexpected ";"' };
registry.addBroken({ typo: failure });

describe("a workflow file that does not build", () => {
  it("answers 503 workflow_build_failed at once, naming file and line, and starts nothing", async () => {
    const refused = await api("/api/runs", { method: "POST", json: { workflow: "typo", input: {} } });
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string; message: string; build: typeof failure } };
    expect(body.error.code).toBe("workflow_build_failed");
    expect(body.error.build).toEqual(failure);
    expect(body.error.message).toContain("workflows/typo.ts:4:13");
    expect(((await (await api("/api/runs?workflow=typo")).json()) as { runs: unknown[] }).runs).toEqual([]);
  });

  it("leaves the other workflows running, and lists the failure beside them", async () => {
    expect((await waitForRun(await startRun("chain", { tag: crypto.randomUUID(), n: 2 }))).status).toBe("completed");
    const list = (await (await api("/api/workflows")).json()) as { workflows: { name: string }[]; buildFailures: ({ name: string } & typeof failure)[] };
    expect(list.buildFailures).toEqual([{ name: "typo", ...failure }]);
    expect(list.workflows.some((entry) => entry.name === "typo")).toBe(false);
  });

  it("shows the failure in the console: a banner on every page and the start form's answer", async () => {
    const browser = await Browser.signedIn();
    for (const path of ["/", "/workflows"]) {
      const html = await (await browser.get(path)).text();
      expect(html).toContain('class="build-banner"');
      expect(html).toContain("workflows/typo.ts:4:13");
    }
    const page = await browser.post("/workflows/start", { workflow: "typo", input: "{}" });
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/typo does not build: workflows\/typo\.ts:4:13/);
  });

  it("keeps a run already in flight waiting for the file to build again, rather than failing it", async () => {
    const id = crypto.randomUUID();
    // Stored before the edit broke the file: started on the run object directly, as the API did then.
    await runStub(id).start({ id, workflow: "typo", input: {}, idempotencyKey: null, origin: null });
    await runDurableObjectAlarm(runStub(id));
    await runDurableObjectAlarm(runStub(id));
    const run = await getRun(id);
    expect(run.status).not.toBe("failed");
    expect(run.error ?? null).toBeNull();
  });
});
