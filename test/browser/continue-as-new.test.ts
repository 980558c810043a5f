// continueAsNew under `wrangler dev`, as a client outside the Worker meets it: a loop of
// six runs started by a plain HTTP POST is followed along its `continuedAs` links to the
// right total, the console links the runs both ways, and BatonClient.waitForResult follows
// them by itself.
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatonClient, type RunDetail } from "../../sdk/client/index.ts";
import { chromiumPath, startDevServer, TOKEN, type DevServer } from "./dev-server.ts";

let server: DevServer;
let client: BatonClient;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDevServer(), chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] })]);
  client = new BatonClient({ baseUrl: server.url, token: TOKEN });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** GET /api/runs/{id} with the token, as any HTTP client would. */
async function read(id: string): Promise<RunDetail> {
  const response = await fetch(`${server.url}/api/runs/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as RunDetail;
}

const ENDED = new Set(["completed", "failed", "cancelled", "continued"]);

describe("continueAsNew under wrangler dev", () => {
  it("a 5-generation loop started by a raw HTTP POST, followed along continuedAs, ends with the right total", async () => {
    const started = await fetch(`${server.url}/api/runs`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ workflow: "summing", input: { n: 0, total: 0 } }),
    });
    expect(started.status).toBe(201);
    const chain: RunDetail[] = [];
    let id = ((await started.json()) as { id: string }).id;
    for (let polls = 0; polls < 600; polls++) {
      const run = await read(id);
      if (!ENDED.has(run.status)) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      chain.push(run);
      if (run.status !== "continued") break;
      // The link is there as soon as the run reads continued, and so is the run it names.
      expect(run.continuedAs).toMatch(/^[0-9a-f-]{36}$/);
      id = run.continuedAs ?? "";
    }
    expect(chain.map((run) => run.status)).toEqual(["continued", "continued", "continued", "continued", "continued", "completed"]);
    expect(chain.at(-1)?.output).toBe(15);
    for (const [i, run] of chain.entries()) expect(run.continuedFrom).toBe(i === 0 ? undefined : chain[i - 1]?.id);

    // In the console, a run's page links to the run it continued as, and that one's back.
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.fill("input[name=token]", TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    await page.goto(`${server.url}/runs/${chain[2]?.id}`);
    await page.getByRole("link", { name: chain[3]?.id ?? "" }).click();
    await page.waitForURL(`${server.url}/runs/${chain[3]?.id}`);
    expect(await page.locator("dt", { hasText: "Continues" }).count()).toBe(1);
    await page.getByRole("link", { name: chain[2]?.id ?? "" }).click();
    await page.waitForURL(`${server.url}/runs/${chain[2]?.id}`);
    await page.close();
  });

  it("BatonClient.waitForResult follows the chain to its output; followContinued: false answers the first run", async () => {
    const run = await client.start("summing", { n: 2, total: 10 });
    expect(await client.waitForResult<number>(run.id, { timeout: 60 })).toBe(10 + 2 + 3 + 4 + 5);
    const first = await client.waitForEnd(run.id, { followContinued: false });
    expect(first).toMatchObject({ id: run.id, status: "continued" });
    const last = await client.waitForEnd(run.id);
    expect(last).toMatchObject({ status: "completed", output: 24 });
    expect(last.id).not.toBe(run.id);
    expect(last.continuedFrom).toBeDefined();
  });
});
