// baton/client against the real API in workerd.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BatonApiError, BatonClient, RunFailedError, WaitTimeoutError } from "baton-workflows/client";
import { TOKEN } from "./helpers.ts";

const client = new BatonClient({ baseUrl: "https://baton.test/", token: TOKEN, fetch: (request) => SELF.fetch(request) });

describe("BatonClient", () => {
  it("starts a run, waits for its result and reads it", async () => {
    const run = await client.start("nested/hello", { name: "Ada" });
    expect(run).toMatchObject({ workflow: "nested/hello", kind: "workflow", parentId: null });
    expect(await client.waitForResult<string>(run.id, { timeout: 10 })).toBe("hello, Ada");
    const detail = await client.get(run.id);
    expect(detail).toMatchObject({ id: run.id, status: "completed", output: "hello, Ada", input: { name: "Ada" } });
  });

  it("starts once per idempotency key", async () => {
    const key = `client-${crypto.randomUUID()}`;
    const first = await client.start("nested/hello", { name: "Bo" }, { idempotencyKey: key });
    const again = await client.start("nested/hello", { name: "Bo" }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    await expect(client.start("nested/hello", { name: "Cy" }, { idempotencyKey: key })).rejects.toMatchObject({ name: "BatonApiError", status: 409, code: "idempotency_conflict" });
  });

  it("lists runs with filters and pages", async () => {
    const started = await client.start("nested/hello", { name: "Di" });
    await client.waitForEnd(started.id, { timeout: 10 });
    const page = await client.list({ workflow: "nested/hello", status: "completed", limit: 100 });
    expect(page.runs.map((r) => r.id)).toContain(started.id);
    const second = await client.start("nested/hello", { name: "Ed" });
    await client.waitForEnd(second.id, { timeout: 10 });
    const small = await client.list({ workflow: "nested/hello", limit: 1 });
    expect(small.runs).toHaveLength(1);
    expect(small.nextCursor).toEqual(expect.any(String));
    const next = await client.list({ workflow: "nested/hello", limit: 1, cursor: small.nextCursor ?? "" });
    expect(next.runs).toHaveLength(1);
    expect(next.runs[0]?.id).not.toBe(small.runs[0]?.id);
  });

  it("decides an approval, and the run resumes", async () => {
    const tag = crypto.randomUUID();
    const run = await client.start("approval", { tag });
    let waiting = await client.get(run.id);
    for (let i = 0; i < 100 && waiting.approvals.length === 0; i++) waiting = await client.get(run.id);
    const key = waiting.approvals[0]?.key ?? "";
    expect(await client.decide(run.id, key, { approved: false, by: "ops@example.com" })).toMatchObject({ key, approved: false, decision: "rejected", by: "ops@example.com" });
    const output = await client.waitForResult<{ decision: { decision: string } }>(run.id, { timeout: 10 });
    expect(output.decision.decision).toBe("rejected");
  });

  it("cancels a run; waitForResult then throws RunFailedError carrying the run", async () => {
    const run = await client.start("sleeper", { tag: crypto.randomUUID(), seconds: 3600 });
    expect((await client.cancel(run.id)).status).toBe("cancelled");
    const error = await client.waitForResult(run.id, { timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as RunFailedError).run.status).toBe("cancelled");
  });

  it("gives up waiting after the timeout with WaitTimeoutError", async () => {
    const run = await client.start("sleeper", { tag: crypto.randomUUID(), seconds: 3600 });
    const error = await client.waitForResult(run.id, { timeout: 0.3, interval: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).run.status).toBe("sleeping");
    await client.cancel(run.id);
  });

  it("runs a script and lists workflows and scripts", async () => {
    const run = await client.runScript("scripts/double", { n: 4 });
    expect(run.kind).toBe("script");
    expect(await client.waitForResult(run.id, { timeout: 10 })).toBe(8);
    const entries = await client.workflows();
    expect(entries.find((e) => e.name === "scripts/double")).toMatchObject({ kind: "script" });
  });

  it("turns API errors into BatonApiError with the stable code", async () => {
    await expect(client.start("no-such-workflow")).rejects.toMatchObject({ status: 404, code: "workflow_not_found" });
    await expect(client.get("does-not-exist")).rejects.toMatchObject({ status: 404, code: "run_not_found" });
    const anonymous = new BatonClient({ baseUrl: "https://baton.test", fetch: (request) => SELF.fetch(request) });
    const error = await anonymous.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatonApiError);
    expect(error).toMatchObject({ status: 401, code: "unauthorized" });
  });
});
