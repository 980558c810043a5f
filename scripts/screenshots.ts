// Takes the README's screenshots of the console (docs/console-runs.png, docs/console-run.png)
// in headless Chromium against the browser tests' Worker under `wrangler dev`.
// Usage: npm run screenshots

import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { chromiumPath, startDevServer, TOKEN } from "../test/browser/dev-server.ts";

const server = await startDevServer();
const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
try {
  const api = async (path: string, body?: unknown): Promise<{ id: string; status: string }> => {
    const init: RequestInit = { headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" } };
    if (body !== undefined) Object.assign(init, { method: "POST", body: JSON.stringify(body) });
    return (await fetch(`${server.url}${path}`, init)).json() as Promise<{ id: string; status: string }>;
  };
  const settled = async (id: string, statuses: string[]): Promise<void> => {
    while (!statuses.includes((await api(`/api/runs/${id}`)).status)) await new Promise((resolve) => setTimeout(resolve, 200));
  };
  for (const name of ["Ada", "Grace"]) await settled((await api("/api/runs", { workflow: "greet", input: { name } })).id, ["completed"]);
  await settled((await api("/api/runs", { workflow: "review", input: { doc: "pricing-page" } })).id, ["waiting"]);
  const report = (await api("/api/runs", { workflow: "report", input: { regions: ["us", "eu", "apac"] } })).id;
  await settled(report, ["completed"]);
  await api("/api/runs", { workflow: "slow", input: { seconds: 600 } });

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(server.url);
  await page.fill("input[name=token]", TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Runs" }).waitFor();
  mkdirSync("docs", { recursive: true });
  await page.screenshot({ path: "docs/console-runs.png" });
  await page.goto(`${server.url}/runs/${report}`);
  await page.screenshot({ path: "docs/console-run.png", fullPage: true });
  console.log("wrote docs/console-runs.png and docs/console-run.png");
} finally {
  await browser.close();
  await server.stop();
}
