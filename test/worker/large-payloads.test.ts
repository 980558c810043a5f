// Values past the 1 MiB a row holds go to the BATON_PAYLOADS R2 bucket and the log
// carries a reference: tasks and steps returning 5 MiB reach the code that reads them,
// across an eviction, and erasing a run removes its objects.
import { abortAllDurableObjects, createExecutionContext, env } from "cloudflare:test";
import { BatonService } from "../../src/service.ts";
import { describe, expect, it } from "vitest";
import { bigText, sha256 } from "../workflows/large-payloads.ts";
import { Browser } from "./console-browser.ts";
import { baton } from "./cli-runner.ts";
import { api, runStub, startRun, waitForRun } from "./helpers.ts";

/** The keys of the objects kept for run `id`. */
async function objectsOf(id: string): Promise<string[]> {
  if (!env.BATON_PAYLOADS) throw new Error("the test Worker has no BATON_PAYLOADS bucket");
  const page = await env.BATON_PAYLOADS.list({ prefix: `runs/${id}/` });
  return page.objects.map((object) => object.key);
}

describe("large payloads by reference", () => {
  it("hands a 5 MiB task result and a 5 MiB step result to the tasks that read them, across an eviction", async () => {
    const expected = bigText(5);
    const id = await startRun("large-payloads", { mib: 5, pause: 1 });
    await waitForRun(id, (run) => run.status === "sleeping");
    // Every run object's memory is gone: the replay loads the result from R2.
    await abortAllDurableObjects();
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.error ?? null).toBeNull();
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({
      read: { length: expected.length, hash: await sha256(expected) },
      again: { length: expected.length, hash: await sha256(expected.toUpperCase()) },
      same: true,
    });
    // The task's and the step's results, nothing inline.
    expect((await objectsOf(id)).length).toBe(2);
  });

  it("refuses a value over 100 MiB with a SerializationError naming the limit", async () => {
    const id = await startRun("large-payloads", { mib: 0, tooLarge: 100 * 1024 * 1024 + 1 });
    const run = await waitForRun(id, undefined, 60_000);
    expect(run.output).toEqual({
      refused: { name: "SerializationError", message: expect.stringContaining("over the 104857600-byte limit; that is the most one value may be (100 MiB)") as string },
    });
  }, 90_000);

  it("removes a run's objects when the run is deleted", async () => {
    const id = await startRun("large-payloads", { mib: 1 });
    expect((await waitForRun(id, undefined, 30_000)).status).toBe("completed");
    expect((await objectsOf(id)).length).toBe(2);
    expect((await api(`/api/runs/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(await objectsOf(id)).toEqual([]);
  });

  it("removes a run's objects when its retention passes", async () => {
    const id = await startRun("large-payloads", { mib: 1 });
    expect((await waitForRun(id, undefined, 30_000)).status).toBe("completed");
    expect((await objectsOf(id)).length).toBe(2);
    expect(await runStub(id).control().retentionPassed()).toBe(true);
    expect(await objectsOf(id)).toEqual([]);
  });
});

describe("large outputs by reference", () => {
  it("keeps a 5 MiB run output out of the run's detail, shows its size and link, and streams it from GET /api/runs/{id}/output", async () => {
    const expected = bigText(5);
    const id = await startRun("large-payloads", { mib: 5, echo: true });
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.status).toBe("completed");
    expect(run.output).toBeNull();
    expect(run.outputRef).toEqual({ bytes: expected.length + 2, href: `/api/runs/${id}/output` });
    const output = await api(run.outputRef!.href);
    expect(output.status).toBe(200);
    expect(output.headers.get("content-type")).toBe("application/json; charset=UTF-8");
    expect(await output.json()).toBe(expected);
  });

  it("gives a kept output whole through BatonService.output, and refuses one not there yet with its code", async () => {
    const service = new BatonService(createExecutionContext(), env);
    const { id } = await service.start("large-payloads", { mib: 2, echo: true });
    await waitForRun(id, undefined, 30_000);
    expect(await service.output(id)).toBe(bigText(2));
    const sleeping = await service.start("sleeper", { tag: crypto.randomUUID(), seconds: 3600 });
    await waitForRun(sleeping.id, (run) => run.status === "sleeping");
    await expect(service.output(sleeping.id)).rejects.toThrow(/^run_not_completed: /);
    await service.cancel(sleeping.id);
  });

  it("prints a kept output's size and route in `baton get`, never the value", async () => {
    const id = await startRun("large-payloads", { mib: 2, echo: true });
    await waitForRun(id, undefined, 30_000);
    const got = await baton(["get", id]);
    expect(got.code).toBe(0);
    expect(got.out.join("\n")).toContain(`output  (${2 * 1024 * 1024 + 2} bytes, kept in BATON_PAYLOADS: GET /api/runs/${id}/output)`);
    expect(got.out.join("\n").length).toBeLessThan(10_000);
  });

  it("answers a small output from the same route, and refuses one of a run not completed (409) or unknown (404)", async () => {
    const id = await startRun("large-payloads", { mib: 0, echo: true, text: "short" });
    expect((await waitForRun(id)).output).toBe("short");
    expect(await (await api(`/api/runs/${id}/output`)).json()).toBe("short");
    const sleeping = await startRun("sleeper", { tag: crypto.randomUUID(), seconds: 3600 });
    await waitForRun(sleeping, (run) => run.status === "sleeping");
    const early = await api(`/api/runs/${sleeping}/output`);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: { code: "run_not_completed" } });
    await api(`/api/runs/${sleeping}/cancel`, { method: "POST" });
    expect(await (await api(`/api/runs/no-such-run/output`)).json()).toMatchObject({ error: { code: "run_not_found" } });
  });

  it("shows a large step result by reference in its step detail and streams it from its output route", async () => {
    const expected = bigText(2);
    const id = await startRun("large-payloads", { mib: 2 });
    expect((await waitForRun(id, undefined, 30_000)).status).toBe("completed");
    const detail = (await (await api(`/api/runs/${id}/steps/${encodeURIComponent("make#0")}`)).json()) as { output: unknown; outputRef?: { bytes: number; href: string } };
    expect(detail.output).toBeNull();
    expect(detail.outputRef).toEqual({ bytes: expected.length + 2, href: `/api/runs/${id}/steps/${encodeURIComponent("make#0")}/output` });
    expect(await (await api(detail.outputRef!.href)).json()).toBe(expected);
    const open = await api(`/api/runs/${id}/steps/${encodeURIComponent("nope#0")}/output`);
    expect(open.status).toBe(404);
    expect(await open.json()).toMatchObject({ error: { code: "step_not_found" } });
  });

  it("hands a child's 5 MiB output to its parent, which keeps its own copy (deleting the child leaves it whole)", async () => {
    const id = await startRun("large-payloads", { mib: 5, child: true });
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.output).toEqual({ length: 5 * 1024 * 1024, same: true });
    const flow = run.steps.find((step) => step.kind === "flow")!;
    expect((await objectsOf(id)).length).toBe(1);
    expect((await api(`/api/runs/${flow.childId}`, { method: "DELETE" })).status).toBe(204);
    expect(await (await api(`/api/runs/${id}/steps/${encodeURIComponent(flow.key)}/output`)).json()).toBe(bigText(5));
  });
});

describe("large inputs and event payloads by reference", () => {
  it("takes a 5 MiB run input, keeps it by reference, and hands it to a task after an eviction", async () => {
    const text = bigText(5);
    const id = await startRun("large-payloads", { mib: 0, measure: true, pause: 1, text });
    await waitForRun(id, (run) => run.status === "sleeping");
    await abortAllDurableObjects();
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.output).toEqual({ length: text.length, hash: await sha256(text) });
    expect(run.input).toBeNull();
    expect(run.inputRef?.href).toBe(`/api/runs/${id}/input`);
    expect(((await (await api(run.inputRef!.href)).json()) as { text: string }).text).toBe(text);
  });

  it("delivers a 5 MiB event payload to a waiting run and one kept before the wait, each by reference", async () => {
    const first = bigText(5);
    const second = bigText(5).toUpperCase();
    const id = await startRun("large-payloads", { mib: 0, events: 2, pause: 1 });
    await waitForRun(id, (run) => run.status === "sleeping");
    // Sent before any wait: kept in the inbox, by reference.
    const kept = await api(`/api/runs/${id}/events/big`, { method: "POST", json: { payload: { text: first } } });
    expect(kept.status).toBe(202);
    await waitForRun(id, (run) => run.waitingOn.some((wait) => wait.kind === "event") && run.steps.some((step) => step.key === "measure#0" && step.status === "completed"), 30_000);
    expect((await api(`/api/runs/${id}/events/big`, { method: "POST", json: { payload: { text: second } } })).status).toBe(202);
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.output).toEqual([
      { length: first.length, hash: await sha256(first) },
      { length: second.length, hash: await sha256(second) },
    ]);
  });

  it("refuses an event payload past the run's 10 GiB of kept values with 413 payload_too_large, and keeps nothing", async () => {
    const id = crypto.randomUUID();
    await runStub(id).control().useLimits({ payloadBytes: 1024 * 1024 });
    await runStub(id).start({ id, workflow: "large-payloads", input: { mib: 0, events: 1, pause: 60 }, idempotencyKey: null, origin: null });
    await waitForRun(id, (run) => run.status === "sleeping");
    const refused = await api(`/api/runs/${id}/events/big`, { method: "POST", json: { payload: { text: bigText(2) } } });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: { code: "payload_too_large", message: expect.stringContaining("1048576 bytes is the limit per run") as string } });
    expect(await objectsOf(id)).toEqual([]);
    expect((await waitForRun(id, (run) => run.status === "sleeping")).inbox).toEqual([]);
    await api(`/api/runs/${id}/cancel`, { method: "POST" });
  });

  it("fails a task whose result would pass the run's kept bytes with a SerializationError naming the limit", async () => {
    const id = crypto.randomUUID();
    await runStub(id).control().useLimits({ payloadBytes: 3 * 1024 * 1024 });
    await runStub(id).start({ id, workflow: "large-payloads", input: { mib: 2 }, idempotencyKey: null, origin: null });
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "SerializationError", message: expect.stringContaining("3145728 bytes is the limit per run (10 GiB)") as string });
  });
});

describe("the console and kept values", () => {
  it("shows a kept output's size and a download link instead of the value, and the link gives the value with the session", async () => {
    const expected = bigText(5);
    const id = await startRun("large-payloads", { mib: 5, echo: true });
    expect((await waitForRun(id, undefined, 30_000)).status).toBe("completed");
    const browser = await Browser.signedIn();
    const page = await (await browser.get(`/runs/${id}`)).text();
    expect(page).toContain("output · 5.0 MB, kept in the BATON_PAYLOADS bucket");
    expect(page).toContain(`href="/runs/${id}/download/output"`);
    expect(page).not.toContain(expected.slice(0, 200));
    const download = await browser.get(`/runs/${id}/download/output`);
    expect(download.status).toBe(200);
    expect(await download.json()).toBe(expected);
    // A step's kept result: on the run page and the step's own page, its size and link.
    const tasks = await startRun("large-payloads", { mib: 1 });
    expect((await waitForRun(tasks, undefined, 30_000)).status).toBe("completed");
    const link = `href="/runs/${tasks}/download/steps/${encodeURIComponent("make#0")}"`;
    expect(await (await browser.get(`/runs/${tasks}`)).text()).toContain(link);
    const step = await (await browser.get(`/runs/${tasks}/steps/${encodeURIComponent("make#0")}`)).text();
    expect(step).toContain("output · 1.0 MB, kept in the BATON_PAYLOADS bucket");
    expect(step).toContain(link);
    expect(await (await browser.get(`/runs/${tasks}/download/steps/${encodeURIComponent("make#0")}`)).json()).toBe(bigText(1));
  });
});

describe("restarts and kept values", () => {
  it("gives a restarted run its own copies of the kept input and results, so deleting the original breaks nothing", async () => {
    const text = bigText(1);
    const first = await startRun("large-payloads", { mib: 1, text });
    const ended = await waitForRun(first, undefined, 30_000);
    expect(ended.status).toBe("completed");
    const restarted = await api(`/api/runs/${first}/restart`, { method: "POST", json: { fromStep: "again#0" } });
    expect(restarted.status).toBe(201);
    const { id } = (await restarted.json()) as { id: string };
    expect((await api(`/api/runs/${first}`, { method: "DELETE" })).status).toBe(204);
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.output).toEqual(ended.output);
    expect(run.inputRef?.bytes).toBeGreaterThan(text.length);
    expect(((await (await api(`/api/runs/${id}/input`)).json()) as { text: string }).text).toBe(text);
    expect(await (await api(`/api/runs/${id}/steps/${encodeURIComponent("make#0")}/output`)).json()).toBe(text);
    expect((await objectsOf(first)).length).toBe(0);
  });
});
