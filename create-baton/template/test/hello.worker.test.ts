// The workflow in the real engine inside workerd (@cloudflare/vitest-plugin): started
// over the HTTP API, its task run through the queue, its sleep woken by the alarm.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

const headers = { Authorization: "Bearer test-token", "Content-Type": "application/json" };

it("runs hello to completion through the API", async () => {
  const started = await SELF.fetch("https://app.test/api/runs", { method: "POST", headers, body: JSON.stringify({ workflow: "hello", input: { name: "Ada" } }) });
  expect(started.status).toBe(201);
  const { id } = (await started.json()) as { id: string };
  let run: { status: string; output: unknown } = { status: "", output: null };
  for (let i = 0; i < 200 && !["completed", "failed", "cancelled"].includes(run.status); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    run = (await (await SELF.fetch(`https://app.test/api/runs/${id}`, { headers })).json()) as typeof run;
  }
  expect(run).toMatchObject({ status: "completed", output: { greeting: "hello, Ada" } });
});
