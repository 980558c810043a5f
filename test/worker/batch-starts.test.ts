// Many starts in one request: POST /api/runs/batch, BatonClient.startMany and BatonService.startMany.
// Each item is checked and made idempotent exactly as POST /api/runs is, answered on its
// own in order; a malformed batch as a whole is refused and starts nothing.
import { createExecutionContext, env, listDurableObjectIds, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BatonApiError, BatonClient, type BatchStartAnswer, type BatchStartResult } from "baton-workflows/client";
import { BatonService } from "../../src/service.ts";
import { runIdFromKey } from "../../src/runs/run-ids.ts";
import { api, listed, TOKEN } from "./helpers.ts";

const client = new BatonClient({ baseUrl: "https://baton.test", token: TOKEN, fetch: (request) => SELF.fetch(request) });

/** POSTs a batch body (any JSON, or text as it is). */
function batch(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return api("/api/runs/batch", { method: "POST", body: text, headers: { "Content-Type": "application/json", ...headers } });
}

/** The answers of a batch that must be accepted. */
async function answers(body: unknown): Promise<BatchStartAnswer[]> {
  const response = await batch(body);
  expect(response.status).toBe(200);
  return ((await response.json()) as BatchStartResult).runs;
}

/** A short summary of answers: status and, for a refusal, its code. */
const shapes = (runs: BatchStartAnswer[]) => runs.map((answer) => ("run" in answer ? answer.status : `${answer.status} ${answer.error.code}`));

describe("POST /api/runs/batch", () => {
  it("starts 1,000 runs in one request, answering their ids in order, and every run completes", { timeout: 180_000 }, async () => {
    const tag = crypto.randomUUID();
    const keys = Array.from({ length: 1000 }, (_, i) => `bulk-${tag}-${i}`);
    const before = new Set(await listed("chain"));
    const startedAt = Date.now();
    const runs = await answers({ runs: keys.map((idempotencyKey, i) => ({ workflow: "chain", input: { tag, n: 1, i }, idempotencyKey })) });
    const answeredAt = Date.now();
    expect(runs).toHaveLength(1000);
    expect(new Set(shapes(runs))).toEqual(new Set([201]));
    // A key's run id is derived from it, so the ids say the answers are in the items' order.
    const ids = runs.map((answer) => ("run" in answer ? answer.run.id : ""));
    expect(ids).toEqual(await Promise.all(keys.map(runIdFromKey)));
    // Listed once answered (a start is answered once its run is listed).
    const after = (await listed("chain")).filter((id) => !before.has(id));
    expect(after.toSorted()).toEqual(ids.toSorted());
    // Wait until none of them is still going, then each must have completed.
    for (;;) {
      const going = new Set(await listed("chain", "queued,running,sleeping,waiting"));
      if (!ids.some((id) => going.has(id))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const completed = new Set(await listed("chain", "completed"));
    expect(ids.filter((id) => !completed.has(id))).toEqual([]);
    console.log(`1,000 starts: answered in ${answeredAt - startedAt} ms, all completed after ${Date.now() - startedAt} ms`);
  });

  it("answers each item of a mixed batch on its own, starting only the good ones", async () => {
    const [hellos, signups] = [(await listed("nested/hello")).length, (await listed("signup")).length];
    const runs = await answers({
      runs: [
        { workflow: "nested/hello", input: { name: "Ada" } },
        { workflow: "no/such-workflow", input: {} },
        { workflow: "signup", input: { email: "not-an-email", age: 12 } },
        { workflow: "signup", input: { email: "ada@example.com", age: 36 } },
        { workflow: "nested/hello", input: { name: "Bo" }, idempotencyKey: "has space" },
        { workflow: "nested/hello", inptu: { name: "Cy" } },
        { workflow: 7 },
        "not an item",
        { workflow: "nested/hello", input: { blob: "x".repeat(1024 * 1024) } },
        { workflow: "nested/hello", input: { name: "Di" } },
      ],
    });
    expect(shapes(runs)).toEqual([201, "404 workflow_not_found", "400 invalid_input", 201, "400 invalid_request", "400 invalid_request", "400 invalid_request", "400 invalid_request", "413 payload_too_large", 201]);
    const invalid = runs[2] as Extract<BatchStartAnswer, { error: unknown }>;
    expect(invalid.error.issues?.map((issue) => issue.path)).toEqual(["$.email", "$.age"]);
    expect(runs[0]).toMatchObject({ run: { workflow: "nested/hello", kind: "workflow" } });
    expect((await listed("nested/hello")).length).toBe(hellos + 2);
    expect((await listed("signup")).length).toBe(signups + 1);
  });

  it("repeated with idempotency keys, answers 200 with the same runs and starts none; a key used with another input answers 409", async () => {
    const tag = crypto.randomUUID();
    const items = ["a", "b", "c"].map((name) => ({ workflow: "nested/hello", input: { name }, idempotencyKey: `${tag}-${name}` }));
    const first = await answers({ runs: items });
    expect(shapes(first)).toEqual([201, 201, 201]);
    const count = (await listed("nested/hello")).length;
    const objects = (await listDurableObjectIds(env.RUNS)).length;
    const again = await answers({ runs: items });
    expect(shapes(again)).toEqual([200, 200, 200]);
    expect(again.map((answer) => ("run" in answer ? answer.run.id : null))).toEqual(first.map((answer) => ("run" in answer ? answer.run.id : null)));
    const conflicting = await answers({ runs: [{ ...items[0], input: { name: "other" } }, items[1]] });
    expect(shapes(conflicting)).toEqual(["409 idempotency_conflict", 200]);
    // One key twice in a batch: one run, the other item finds it.
    const twice = await answers({ runs: [items[2], items[2]] });
    expect(shapes(twice)).toEqual([200, 200]);
    expect((await listed("nested/hello")).length).toBe(count);
    expect((await listDurableObjectIds(env.RUNS)).length).toBe(objects);
    const fresh = { workflow: "nested/hello", input: { name: "d" }, idempotencyKey: `${tag}-d` };
    expect(shapes(await answers({ runs: [fresh, fresh] })).toSorted()).toEqual([200, 201]);
  });

  it("refuses a malformed batch as a whole with 400 (or 413), starting nothing", async () => {
    const item = { workflow: "nested/hello", input: { name: "Ada" } };
    const count = (await listed("nested/hello")).length;
    const objects = (await listDurableObjectIds(env.RUNS)).length;
    const bodies: [unknown, number, string][] = [
      [{}, 400, "invalid_request"],
      [{ runs: [] }, 400, "invalid_request"],
      [{ runs: item }, 400, "invalid_request"],
      [{ runs: null }, 400, "invalid_request"],
      [[item], 400, "invalid_request"],
      [{ runs: Array.from({ length: 1001 }, () => item) }, 400, "invalid_request"],
      [{ runs: [item], traceparent: "x" }, 400, "invalid_request"],
      ['{"runs":[{"workflow":"nested/hello"}', 400, "invalid_json"],
      [JSON.stringify({ runs: [{ ...item, input: { blob: "x".repeat(9 * 1024 * 1024) } }] }), 413, "payload_too_large"],
    ];
    for (const [body, status, code] of bodies) {
      const response = await batch(body);
      expect([JSON.stringify(body).slice(0, 60), response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([JSON.stringify(body).slice(0, 60), status, code]);
    }
    expect((await listed("nested/hello")).length).toBe(count);
    expect((await listDurableObjectIds(env.RUNS)).length).toBe(objects);
  });
});

describe("startMany from BatonClient and the service binding", () => {
  it("answers per item through BatonClient, and throws BatonApiError for a malformed batch", async () => {
    const runs = await client.startMany([{ workflow: "nested/hello", input: { name: "Ada" } }, { workflow: "nope" }], { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });
    expect(shapes(runs)).toEqual([201, "404 workflow_not_found"]);
    const error: unknown = await client.startMany([]).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(BatonApiError);
    expect(error).toMatchObject({ status: 400, code: "invalid_request" });
  });

  it("answers per item through BatonService (errors as data, ids from code too), and throws only for a malformed batch", async () => {
    const service = new BatonService(createExecutionContext(), env);
    const id = `svc-${crypto.randomUUID()}`;
    const runs = await service.startMany([
      { workflow: "nested/hello", input: { name: "Ada" }, id },
      { workflow: "signup", input: { age: 1 } },
      { workflow: "nested/hello", input: { name: "Ada" }, id, idempotencyKey: "both" },
    ]);
    expect(shapes(runs)).toEqual([201, "400 invalid_input", "400 invalid_request"]);
    expect(runs[0]).toMatchObject({ run: { id } });
    expect(shapes(await service.startMany([{ workflow: "nested/hello", input: { name: "Ada" }, id }]))).toEqual([200]);
    await expect(service.startMany([])).rejects.toThrow(/^invalid_request: /);
    await expect(service.startMany(Array.from({ length: 1001 }, () => ({ workflow: "nested/hello" })))).rejects.toThrow(/^invalid_request: /);
  });
});
