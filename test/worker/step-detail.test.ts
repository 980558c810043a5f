// GET /api/runs/:id/steps/:key: a step's output, every attempt, its error with its
// cause, and the lines its closure printed, attempt by attempt; the run stays small.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BatonClient } from "baton-workflows/client";
import { api, startRun, TOKEN, waitForRun } from "./helpers.ts";

const client = new BatonClient({ baseUrl: "https://baton.test", token: TOKEN, fetch: (request) => SELF.fetch(request) });

describe("a step's detail", () => {
  it("shows a task's output and the lines it printed", async () => {
    const id = await startRun("chatty", { name: "Ada" });
    const run = await waitForRun(id);
    expect(run.output).toEqual({ greeting: "hello Ada", counted: 2, failed: "refused" });
    // The run itself carries no step outputs or logs: they are fetched per step.
    expect(run.steps.map((step) => ["output", "logs"].filter((field) => field in step))).toEqual([[], [], []]);
    const response = await api(`/api/runs/${id}/steps/${encodeURIComponent("greet#0")}`);
    expect(response.status).toBe(200);
    const greet = (await response.json()) as Awaited<ReturnType<typeof client.step>>;
    expect(greet).toMatchObject({ key: "greet#0", kind: "task", status: "completed", output: { greeting: "hello Ada" }, error: null });
    expect(greet.logs.map(({ attempt, level, message }) => [attempt, level, message])).toEqual([
      [1, "log", "hello Ada"],
      [1, "warn", 'careful {"loud":true}'],
    ]);
    expect(greet.history.map((h) => [h.attempt, h.error])).toEqual([[1, null]]);
  });

  it("keeps an inline step's lines per attempt, and a failed task's error with its cause", async () => {
    const id = await startRun("chatty", { name: "Bo" });
    await waitForRun(id);
    const count = await client.step(id, "count#0");
    expect(count).toMatchObject({ status: "completed", attempts: 2, output: 2 });
    expect(count.logs.map(({ attempt, level, message }) => [attempt, level, message])).toEqual([
      [1, "info", "attempt 1"],
      [2, "info", "attempt 2"],
    ]);
    expect(count.history.map((h) => [h.attempt, h.error?.message ?? null])).toEqual([
      [1, "not yet"],
      [2, null],
    ]);
    const refuse = await client.step(id, "refuse#0");
    expect(refuse).toMatchObject({ status: "failed", output: null, error: { name: "Error", message: "refused", cause: { message: "policy" } } });
    expect(refuse.error?.stack).toContain("refused");
    expect(refuse.logs.map((line) => line.message)).toEqual(["refusing"]);
  });

  it("answers 404 for an unknown step or run", async () => {
    const id = await startRun("chatty", { name: "Cy" });
    await waitForRun(id);
    const step = await api(`/api/runs/${id}/steps/${encodeURIComponent("nope#0")}`);
    expect(step.status).toBe(404);
    expect(await step.json()).toMatchObject({ error: { code: "step_not_found" } });
    const run = await api(`/api/runs/${crypto.randomUUID()}/steps/greet%230`);
    expect(run.status).toBe(404);
    expect(await run.json()).toMatchObject({ error: { code: "run_not_found" } });
  });
});
