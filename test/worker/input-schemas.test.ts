// Typed, validated workflow input: workflow(fn, { input, output }) with a Standard Schema
// (zod here). A start whose input does not fit is refused with 400 invalid_input naming
// each failing path, and starts nothing, whichever way it comes (the API, a child flow,
// the console); the body gets the schema's output; a result that does not fit fails the
// run; GET /api/workflows shows the input's JSON Schema.
import { describe, expect, it } from "vitest";
import { Browser } from "./console-browser.ts";
import { api, startRun, waitForRun } from "./helpers.ts";

describe("workflow input schemas", () => {
  it("refuses a start whose input does not fit with 400 invalid_input naming each path, and starts nothing", async () => {
    const before = ((await (await api("/api/runs?workflow=signup&limit=100")).json()) as { runs: unknown[] }).runs.length;
    const refused = await api("/api/runs", { method: "POST", json: { workflow: "signup", input: { email: "not-an-email", age: 12 } }, headers: { "Idempotency-Key": `bad-${crypto.randomUUID()}` } });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { code: string; message: string; issues: { path: string; message: string }[] } };
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.issues.map((issue) => issue.path)).toEqual(["$.email", "$.age"]);
    expect(body.error.message).toContain("$.email");
    expect(((await (await api("/api/runs?workflow=signup&limit=100")).json()) as { runs: unknown[] }).runs.length).toBe(before);
  });

  it("hands the body the schema's output (defaults filled in), and fails a run whose result does not fit", async () => {
    const id = await startRun("signup", { email: "ada@example.com", age: 36 });
    expect((await waitForRun(id)).output).toEqual({ welcome: "welcome ada@example.com to free" });
    const bad = await waitForRun(await startRun("signup", { email: "bo@example.com", age: 99 }));
    expect(bad).toMatchObject({ status: "failed", error: { name: "InvalidOutputError" } });
    expect(bad.error?.message).toContain("$.welcome");
  });

  it("fails a child flow's step with InvalidInputError, which the parent can catch", async () => {
    const run = await waitForRun(await startRun("signup-parent", { child: { email: "x" } }));
    expect(run.output).toMatchObject({ refused: "InvalidInputError" });
    expect((run.output as { message: string }).message).toContain("$.age");
  });

  it("the console's start form refuses it with the same message, keeping the typed input", async () => {
    const browser = await Browser.signedIn();
    const page = await browser.post("/workflows/start", { workflow: "signup", input: '{"email":"x","age":30}' });
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain("does not fit the workflow&#39;s input schema");
    expect(html).toContain("$.email");
  });

  it("shows the schema on the console's start form, pre-filled with an example the schema accepts", async () => {
    const browser = await Browser.signedIn();
    const html = await (await browser.get("/workflows")).text();
    const form = /<section class="workflow" id="wf-signup">([^]*?)<\/section>/.exec(html)?.[1] ?? "";
    expect(form).toContain("<summary>Input schema</summary>");
    const prefilled = /<textarea id="input-signup"[^>]*>([^<]*)<\/textarea>/.exec(form)?.[1] ?? "";
    const example = JSON.parse(prefilled.replaceAll("&quot;", '"')) as unknown;
    expect(example).toEqual({ email: "someone@example.com", age: 18 });
    // Sent as it is, the example starts a run.
    const started = await browser.post("/workflows/start", { workflow: "signup", input: JSON.stringify(example) });
    expect(started.status).toBe(303);
  });

  it("lists the input's JSON Schema in GET /api/workflows", async () => {
    const { workflows } = (await (await api("/api/workflows")).json()) as { workflows: { name: string; inputSchema: { required?: string[] } | null }[] };
    expect(workflows.find((w) => w.name === "signup")?.inputSchema).toMatchObject({ type: "object", required: ["email", "age"] });
    expect(workflows.find((w) => w.name === "counted")?.inputSchema).toBeNull();
  });
});
