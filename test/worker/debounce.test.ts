// Trailing debounce (`debounce: { key, period, maxDelay? }`): starts with one key make one
// pending run that begins `period` after the latest, with the latest input; once it has
// begun, a start opens a new run. Through POST /api/runs, a batch, BatonClient and BatonService.
import { createExecutionContext, env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BatonClient, type StartAnswer } from "baton-workflows/client";
import { BatonService } from "../../src/service.ts";
import { Browser } from "./console-browser.ts";
import { gateName } from "../../src/runs/start-gate.ts";
import { debounceMs } from "../../src/api/start-schemas.ts";
import { api, getRun, hits, runStub, TOKEN, waitForRun } from "./helpers.ts";
import { pollFor, register } from "./fake-worker.ts";

const client = new BatonClient({ baseUrl: "https://baton.test", token: TOKEN, fetch: (request) => SELF.fetch(request) });

/** A debounced start of "debounced" with input `{tag, n}`: the status and the answer. */
async function debounced(tag: string, n: number, debounce: Record<string, unknown> = {}): Promise<{ status: number; body: StartAnswer }> {
  const response = await api("/api/runs", { method: "POST", json: { workflow: "debounced", input: { tag, n }, debounce: { key: tag, period: "1 hour", ...debounce } } });
  return { status: response.status, body: (await response.json()) as StartAnswer };
}

/** How many runs of "debounced" the list holds. */
async function listed(): Promise<number> {
  return ((await (await api("/api/runs?workflow=debounced&limit=100")).json()) as { runs: unknown[] }).runs.length;
}

describe("debounce", () => {
  it("makes one run of five starts within the period, answering one id, and runs it once with the last input after the period", async () => {
    const tag = `five-${crypto.randomUUID()}`;
    const answers = [];
    for (let n = 1; n <= 5; n++) answers.push(await debounced(tag, n));
    expect(answers.map((answer) => answer.status)).toEqual([201, 200, 200, 200, 200]);
    expect(answers.map((answer) => answer.body.debounced)).toEqual([false, true, true, true, true]);
    const id = answers[0]!.body.id;
    expect(new Set(answers.map((answer) => answer.body.id))).toEqual(new Set([id]));

    // Pending: queued, with its start, its input the last start's, and listed so.
    const pending = await getRun(id);
    expect(pending).toMatchObject({ status: "queued", input: { tag, n: 5 }, steps: [] });
    expect(Date.parse(pending.startsAt ?? "")).toBe(Date.parse(answers[4]!.body.startsAt ?? ""));
    const page = (await (await api(`/api/runs?workflow=debounced&status=queued&limit=100`)).json()) as { runs: StartAnswer[] };
    expect(page.runs.find((run) => run.id === id)).toMatchObject({ status: "queued", startsAt: pending.startsAt });
    // Its alarm is its start; an alarm before then begins nothing.
    expect(await runInDurableObject(runStub(id), (_object, state) => state.storage.getAlarm())).toBe(Date.parse(pending.startsAt ?? ""));
    await runDurableObjectAlarm(runStub(id));
    expect((await getRun(id)).status).toBe("queued");
    expect(await hits(`${tag}:ran`)).toBe(0);

    await runStub(id).control().elapse(60 * 60 * 1000);
    const done = await waitForRun(id);
    // Its clock starts at its start, not at the first start of the window.
    expect(done).toMatchObject({ status: "completed", output: { tag, n: 5 } });
    expect(Date.parse((done.output as { startedAt: string }).startedAt)).toBeGreaterThan(Date.parse(done.createdAt));
    expect(done.startsAt).toBeUndefined();
    expect(await hits(`${tag}:ran`)).toBe(1);

    // Begun: the next start with the key opens a new window and a new run.
    const next = await debounced(tag, 6);
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ debounced: false, status: "queued" });
    expect(next.body.id).not.toBe(id);
  });

  it("makes one run of five starts at once", async () => {
    const tag = `together-${crypto.randomUUID()}`;
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => debounced(tag, n)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 201]);
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    await runStub(id).control().elapse(60 * 60 * 1000);
    const done = await waitForRun(id);
    // Whichever start the gate took in last: the run ran once, with one of the inputs.
    expect(done.status).toBe("completed");
    expect(done.output).toMatchObject(done.input as object);
    expect([1, 2, 3, 4, 5]).toContain((done.output as { n: number }).n);
    expect(await hits(`${tag}:ran`)).toBe(1);
  });

  it("keeps the pending run, its input and its start across evictions of the run and the gate", async () => {
    const tag = `evicted-${crypto.randomUUID()}`;
    const first = await debounced(tag, 1);
    await evictDurableObject(runStub(first.body.id));
    await evictDurableObject(env.RUNS.get(env.RUNS.idFromName(gateName("debounce", "debounced", tag))));
    const second = await debounced(tag, 2);
    expect(second).toMatchObject({ status: 200, body: { id: first.body.id, debounced: true } });
    await evictDurableObject(runStub(first.body.id));
    expect(await getRun(first.body.id)).toMatchObject({ status: "queued", input: { tag, n: 2 }, startsAt: second.body.startsAt });
    expect(await runInDurableObject(runStub(first.body.id), (_object, state) => state.storage.getAlarm())).toBe(Date.parse(second.body.startsAt ?? ""));
    await runStub(first.body.id).control().elapse(60 * 60 * 1000);
    expect(await waitForRun(first.body.id)).toMatchObject({ status: "completed", output: { tag, n: 2 } });
  });

  it("opens a new run after the pending one was cancelled, or when the gate names a run a crash never created", async () => {
    const tag = `recovered-${crypto.randomUUID()}`;
    const first = await debounced(tag, 1);
    expect((await api(`/api/runs/${first.body.id}/cancel`, { method: "POST" })).status).toBe(200);
    const second = await debounced(tag, 2);
    expect(second).toMatchObject({ status: 201, body: { debounced: false } });
    expect(second.body.id).not.toBe(first.body.id);
    // A crash after the gate named a new run and before the run was created: the gate's row names no run.
    const gate = env.RUNS.get(env.RUNS.idFromName(gateName("debounce", "debounced", tag)));
    await runInDurableObject(gate, (_object, state) => state.storage.sql.exec("UPDATE start_gate SET run_id = ?", crypto.randomUUID()));
    const third = await debounced(tag, 3);
    expect(third.status).toBe(201);
    const fourth = await debounced(tag, 4);
    expect(fourth).toMatchObject({ status: 200, body: { id: third.body.id, debounced: true } });
    expect((await getRun(second.body.id)).input).toEqual({ tag, n: 2 });
  });

  it("debounces a body a worker runs (Python): its first activation comes after the start, with the last input", async () => {
    await register("w-debounced", ["py/debounced"], [], "debounced");
    const start = (n: number) => api("/api/runs", { method: "POST", json: { workflow: "py/debounced", input: { n }, debounce: { key: "py", period: 60 } } });
    const first = (await (await start(1)).json()) as StartAnswer;
    const second = await start(2);
    expect(second.status).toBe(200);
    expect(await getRun(first.id)).toMatchObject({ status: "queued", input: { n: 2 }, bodyQueue: "debounced" });
    // A worker asking for it before its start gets nothing to run.
    expect(await runStub(first.id).activation()).toBeNull();
    await runStub(first.id).control().elapse(60_000);
    expect(await pollFor(first.id, "debounced")).toMatchObject({ kind: "activation", input: { n: 2 } });
  });

  it("begins no later than maxDelay after the window's first start, however many starts push it", async () => {
    const tag = `capped-${crypto.randomUUID()}`;
    const answers = [];
    for (let n = 1; n <= 3; n++) answers.push(await debounced(tag, n, { maxDelay: "10 seconds" }));
    const first = Date.parse(answers[0]!.body.startsAt ?? "");
    expect(first - Date.parse(answers[0]!.body.createdAt)).toBeLessThanOrEqual(10_000);
    expect(answers.map((answer) => Date.parse(answer.body.startsAt ?? ""))).toEqual([first, first, first]);
  });

  it("shows the pending run in the console with its start, and keeps it queued across a pause and resume before its start", async () => {
    const tag = `shown-${crypto.randomUUID()}`;
    const { body } = await debounced(tag, 1);
    const browser = await Browser.signedIn();
    const page = await (await browser.get(`/runs/${body.id}`)).text();
    expect(page).toContain("s-queued");
    expect(page).toMatch(/<dt>Starts<\/dt>\s*<dd class="starts-at">/);
    expect((await api(`/api/runs/${body.id}/pause`, { method: "POST" })).status).toBe(200);
    expect((await getRun(body.id)).status).toBe("paused");
    const resumed = (await (await api(`/api/runs/${body.id}/resume`, { method: "POST" })).json()) as StartAnswer;
    expect(resumed).toMatchObject({ status: "queued", startsAt: body.startsAt });
    expect(await hits(`${tag}:ran`)).toBe(0);
    await runStub(body.id).control().elapse(60 * 60 * 1000);
    expect(await waitForRun(body.id)).toMatchObject({ status: "completed", output: { tag, n: 1 } });
  });

  it("refuses a start whose input does not fit, keeping the pending run's input and start", async () => {
    const tag = `typed-${crypto.randomUUID()}`;
    const before = await listed();
    const refusedFirst = await api("/api/runs", { method: "POST", json: { workflow: "debounced", input: { tag, n: "one" }, debounce: { key: tag, period: 60 } } });
    expect(refusedFirst.status).toBe(400);
    expect(((await refusedFirst.json()) as { error: { code: string } }).error.code).toBe("invalid_input");
    expect(await listed()).toBe(before);
    const first = await debounced(tag, 1);
    const refused = await api("/api/runs", { method: "POST", json: { workflow: "debounced", input: { tag }, debounce: { key: tag, period: 60 } } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "invalid_input", message: expect.stringContaining("$.n") });
    expect(await getRun(first.body.id)).toMatchObject({ status: "queued", input: { tag, n: 1 }, startsAt: first.body.startsAt });
  });

  it("takes periods as seconds, sleep()'s durations or the short forms Trigger.dev and Inngest take, 1 second to 7 days", async () => {
    expect([90, "30 seconds", "5 minutes", "5s", "10m", "1h", "2d", "1w", "1500ms"].map(debounceMs)).toEqual([90_000, 30_000, 300_000, 5_000, 600_000, 3_600_000, 172_800_000, 604_800_000, 1_500]);
    expect([0, 0.5, "500ms", "8d", "2w", "5 s", "soon", null, -1].map(debounceMs)).toEqual([null, null, null, null, null, 5_000, null, null, null]);
    const tag = `short-${crypto.randomUUID()}`;
    const { status, body } = await debounced(tag, 1, { period: "2d" });
    expect(status).toBe(201);
    expect(Date.parse(body.startsAt ?? "") - Date.parse(body.createdAt)).toBeGreaterThan(172_700_000);
  });

  it("refuses bad options with 400 invalid_request saying what to fix, and starts nothing", async () => {
    const before = await listed();
    const cases: [Record<string, unknown>, Record<string, string>, string][] = [
      [{ debounce: { key: "k", period: 0 } }, {}, "debounce.period must be 1 to 604800 seconds"],
      [{ debounce: { key: "k", period: "8 days" } }, {}, "debounce.period must be 1 to 604800 seconds"],
      [{ debounce: { key: "k", period: "soon" } }, {}, "debounce.period must be"],
      [{ debounce: { key: "k", period: 5, maxDelay: -1 } }, {}, "debounce.maxDelay must be"],
      [{ debounce: { key: "", period: 5 } }, {}, "debounce.key must be 1 to 255 visible ASCII characters"],
      [{ debounce: { key: "k", period: 5, trailing: true } }, {}, "trailing"],
      [{ debounce: { period: 5 } }, {}, "key"],
      [{ debounce: { key: "k", period: 5 }, singleton: { key: "k", mode: "skip" } }, {}, "debounce or singleton, not both"],
      [{ debounce: { key: "k", period: 5 } }, { "Idempotency-Key": "k" }, "no Idempotency-Key"],
    ];
    for (const [options, headers, message] of cases) {
      const response = await api("/api/runs", { method: "POST", headers, json: { workflow: "debounced", input: { tag: "bad", n: 1 }, ...options } });
      expect(response.status, JSON.stringify(options)).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.message).toContain(message);
    }
    expect(await listed()).toBe(before);
  });

  it("debounces the items of a batch like single starts, each answered on its own", async () => {
    const tag = `batch-${crypto.randomUUID()}`;
    const item = (n: number) => ({ workflow: "debounced", input: { tag, n }, debounce: { key: tag, period: "1 hour" } });
    const response = await api("/api/runs/batch", { method: "POST", json: { runs: [item(1), item(2), { ...item(3), debounce: { key: tag, period: 0 } }] } });
    expect(response.status).toBe(200);
    const { runs } = (await response.json()) as { runs: { status: number; run?: StartAnswer; error?: { code: string } }[] };
    expect(runs.map((answer) => answer.status)).toEqual([201, 200, 400]);
    expect(runs[1]!.run).toMatchObject({ id: runs[0]!.run!.id, debounced: true });
    expect(runs[2]!.error?.code).toBe("invalid_request");
    expect(await getRun(runs[0]!.run!.id)).toMatchObject({ status: "queued", input: { tag, n: 2 } });
  });

  it("debounces through BatonClient and BatonService, whose errors cross with their code", async () => {
    const tag = `code-${crypto.randomUUID()}`;
    const first = await client.start("debounced", { tag, n: 1 }, { debounce: { key: tag, period: 60 } });
    const service = new BatonService(createExecutionContext(), env);
    const second = await service.start("debounced", { tag, n: 2 }, { debounce: { key: tag, period: 60 } });
    expect(second).toMatchObject({ id: first.id, created: false, debounced: true, status: "queued" });
    await expect(service.start("debounced", { tag, n: 3 }, { debounce: { key: tag, period: 60 }, idempotencyKey: "x" })).rejects.toThrow(/^invalid_request: /);
    await expect(service.start("debounced", { tag, n: 3 }, { debounce: { key: tag, period: "later" } })).rejects.toThrow(/^invalid_request: .*debounce\.period/);
    expect((await getRun(first.id)).input).toEqual({ tag, n: 2 });
  });
});
