// Singleton starts (`singleton: { key, mode }`): at most one active run per workflow and
// key. `skip` answers the active run and starts nothing; `cancel-previous` cancels it and
// starts the new one; once the run has ended, a start begins a new one.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { StartAnswer } from "baton-workflows/client";
import { BatonService } from "../../src/service.ts";
import { api, getRun, runStub, waitForRun } from "./helpers.ts";

/** A singleton start of "sleeper" (an hour's sleep, so it stays active): the status and the answer. */
async function single(tag: string, mode: string): Promise<{ status: number; body: StartAnswer }> {
  const response = await api("/api/runs", { method: "POST", json: { workflow: "sleeper", input: { tag, seconds: 3600 }, singleton: { key: tag, mode } } });
  return { status: response.status, body: (await response.json()) as StartAnswer };
}

describe("singleton", () => {
  it("skip: a start while the key's run is active answers that run and starts nothing", async () => {
    const tag = `skip-${crypto.randomUUID()}`;
    const first = await single(tag, "skip");
    expect(first).toMatchObject({ status: 201, body: { singleton: "started" } });
    await waitForRun(first.body.id, (run) => run.status === "sleeping");
    const second = await single(tag, "skip");
    expect(second).toMatchObject({ status: 200, body: { id: first.body.id, singleton: "skipped", status: "sleeping" } });
    const page = (await (await api("/api/runs?workflow=sleeper&limit=100")).json()) as { runs: StartAnswer[] };
    expect(page.runs.filter((run) => run.id === first.body.id || run.id === second.body.id)).toHaveLength(1);
  });

  it("cancel-previous: cancels the key's active run, as POST /cancel does, and starts the new one", async () => {
    const tag = `replace-${crypto.randomUUID()}`;
    const first = await single(tag, "cancel-previous");
    await waitForRun(first.body.id, (run) => run.status === "sleeping");
    const second = await single(tag, "cancel-previous");
    expect(second).toMatchObject({ status: 201, body: { singleton: "cancelled-previous", previousId: first.body.id } });
    expect(second.body.id).not.toBe(first.body.id);
    expect((await waitForRun(first.body.id)).status).toBe("cancelled");
    expect((await getRun(second.body.id)).status).not.toBe("cancelled");
  });

  it("starts a new run once the key's run has ended, in either mode", async () => {
    const tag = `ended-${crypto.randomUUID()}`;
    const first = await single(tag, "skip");
    await waitForRun(first.body.id, (run) => run.status === "sleeping");
    await runStub(first.body.id).control().skipWait();
    expect((await waitForRun(first.body.id)).status).toBe("completed");
    const second = await single(tag, "skip");
    expect(second).toMatchObject({ status: 201, body: { singleton: "started" } });
    expect(second.body.id).not.toBe(first.body.id);
    const third = await single(tag, "cancel-previous");
    expect(third).toMatchObject({ status: 201, body: { singleton: "cancelled-previous", previousId: second.body.id } });
  });

  it("makes one run of five starts at once", async () => {
    const tag = `together-${crypto.randomUUID()}`;
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => single(tag, "skip")));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
  });

  it("keeps a key per workflow: the same key of another workflow is another singleton", async () => {
    const tag = `per-workflow-${crypto.randomUUID()}`;
    const sleeper = await single(tag, "skip");
    const other = await api("/api/runs", { method: "POST", json: { workflow: "debounced", input: { tag, n: 1 }, singleton: { key: tag, mode: "skip" } } });
    expect(other.status).toBe(201);
    expect(((await other.json()) as StartAnswer).id).not.toBe(sleeper.body.id);
  });

  it("refuses bad options with 400 invalid_request and starts nothing", async () => {
    const tag = `bad-${crypto.randomUUID()}`;
    const cases: [Record<string, unknown>, Record<string, string>, string][] = [
      [{ singleton: { key: tag, mode: "replace" } }, {}, 'singleton.mode must be "skip" or "cancel-previous"'],
      [{ singleton: { key: tag } }, {}, "singleton.mode"],
      [{ singleton: { key: "bad key", mode: "skip" } }, {}, "singleton.key must be 1 to 255 visible ASCII characters"],
      [{ singleton: { key: tag, mode: "skip", period: 5 } }, {}, "period"],
      [{ singleton: { key: tag, mode: "skip" } }, { "Idempotency-Key": tag }, "no Idempotency-Key"],
    ];
    for (const [options, headers, message] of cases) {
      const response = await api("/api/runs", { method: "POST", headers, json: { workflow: "sleeper", input: { tag, seconds: 1 }, ...options } });
      expect(response.status, JSON.stringify(options)).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({ code: "invalid_request", message: expect.stringContaining(message) });
    }
    // Nothing started: the key's first real start is its first run.
    expect(await single(tag, "skip")).toMatchObject({ status: 201, body: { singleton: "started" } });
  });

  it("gates batch items and BatonService starts like single starts", async () => {
    const tag = `batch-${crypto.randomUUID()}`;
    const item = { workflow: "sleeper", input: { tag, seconds: 3600 }, singleton: { key: tag, mode: "skip" } };
    const response = await api("/api/runs/batch", { method: "POST", json: { runs: [item, item] } });
    const { runs } = (await response.json()) as { runs: { status: number; run: StartAnswer }[] };
    expect(runs.map((answer) => answer.status)).toEqual([201, 200]);
    expect(runs[1]!.run).toMatchObject({ id: runs[0]!.run.id, singleton: "skipped" });
    const service = new BatonService(createExecutionContext(), env);
    const many = await service.startMany([item, { ...item, id: "named-by-code" }]);
    expect(many[0]).toMatchObject({ status: 200, run: { id: runs[0]!.run.id, singleton: "skipped" } });
    expect(many[1]).toMatchObject({ status: 400, error: { code: "invalid_request", message: expect.stringContaining("no Idempotency-Key or run id") } });
    const replaced = await service.start("sleeper", { tag, seconds: 3600 }, { singleton: { key: tag, mode: "cancel-previous" } });
    expect(replaced).toMatchObject({ created: true, singleton: "cancelled-previous", previousId: runs[0]!.run.id });
    expect((await waitForRun(runs[0]!.run.id)).status).toBe("cancelled");
  });
});
