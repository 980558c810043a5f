// The console in a real browser: headless Chromium (Debian's package) driven by
// playwright-core against the Worker under `wrangler dev`. Each test is a person's
// visit: sign in, read a run, approve, watch a run end, start one, cancel one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { chromiumPath, startDevServer, TOKEN, type DevServer } from "./dev-server.ts";

let server: DevServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDevServer(), chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] })]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Starts a run over the API, as a user's script would. */
async function start(workflow: string, input: unknown): Promise<string> {
  const response = await fetch(`${server.url}/api/runs`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ workflow, input }),
  });
  if (response.status !== 201) throw new Error(`start answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

async function runStatus(id: string): Promise<string> {
  const response = await fetch(`${server.url}/api/runs/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { status: string }).status;
}

/** A new browser context, signed in through the form; fails the test on any page error or blocked resource. */
async function signedIn(): Promise<Page> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    // A form refused with 400 or 409 is the page working; anything else is a problem.
    if (message.type() === "error" && !/^Failed to load resource: the server responded with a status of (400|409)/.test(message.text())) problems.push(message.text());
  });
  page.on("close", () => expect(problems, "errors on the page (a script or style the policy blocked?)").toEqual([]));
  await page.goto(server.url);
  await page.fill("input[name=token]", TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Runs" }).waitFor();
  return page;
}

/** Counts the page's full navigations from now on. */
function navigations(page: Page): () => number {
  let count = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) count++;
  });
  return () => count;
}

describe("the console in Chromium", () => {
  it("refuses a wrong token and stays on the sign-in page, then signs in with the right one", async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.fill("input[name=token]", "wrong-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not this deployment's API token");
    expect(await page.locator("input[name=token]").count()).toBe(1);
    expect(await page.context().cookies()).toEqual([]);
    await page.fill("input[name=token]", TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: "baton_session", httpOnly: true, sameSite: "Strict" });
    await page.close();
  });

  it("lists the run with a link to its page, which shows the task's output and the line it printed", async () => {
    const id = await start("greet", { name: "Grace" });
    await expect.poll(() => runStatus(id), { timeout: 20_000 }).toBe("completed");
    const page = await signedIn();
    await page.reload();
    const link = page.locator(`a[href="/runs/${id}"]`);
    expect(await link.textContent()).toBe("greet");
    await link.click();
    await page.waitForURL(`**/runs/${id}`);
    await expect.poll(() => page.locator("h1").textContent()).toContain("completed");
    const step = page.locator('[id="step-greet#0"]');
    expect(await step.locator("pre").first().textContent()).toContain('"greeting": "hello Grace"');
    expect(await step.locator(".logs").textContent()).toContain("greeting Grace");
    expect(await page.locator(".timeline svg rect.ok").count()).toBeGreaterThanOrEqual(1);
    await page.close();
  });

  it("approves from the run page, and the page shows the run complete", async () => {
    const id = await start("review", { doc: "launch-plan" });
    await expect.poll(() => runStatus(id), { timeout: 20_000 }).toBe("waiting");
    const page = await signedIn();
    await page.goto(`${server.url}/runs/${id}`);
    expect(await page.getByText("Publish launch-plan?").count()).toBe(1);
    await page.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.locator("h1").textContent(), { timeout: 20_000 }).toContain("completed");
    expect(await runStatus(id)).toBe("completed");
    expect(await page.locator('[id="step-publish#0"] pre').first().textContent()).toContain('"published": true');
    await page.close();
  });

  it("follows a running run to its end without a reload, from its event stream", async () => {
    const id = await start("slow", { seconds: 3, tasks: 2 });
    const page = await signedIn();
    const streams: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname.endsWith("/stream")) streams.push(request.url());
    });
    await page.goto(`${server.url}/runs/${id}`);
    expect(await page.locator("h1").textContent()).toMatch(/sleeping|running/);
    const navigated = navigations(page);
    await expect.poll(() => page.locator("h1").textContent(), { timeout: 30_000 }).toContain("completed");
    expect(navigated()).toBe(0);
    expect(await page.locator('[id="step-part 1#0"]').textContent()).toContain("10");
    expect(streams[0]).toMatch(new RegExp(`/runs/${id}/stream\\?after=\\d+$`));
    await page.close();
  });

  it("shows a run started elsewhere in the run list without a reload", async () => {
    const page = await signedIn();
    // The list's stream is open once the browser asked for it (and its shards' readers a moment later).
    const opened = page.waitForRequest((request) => new URL(request.url()).pathname === "/stream");
    await page.reload();
    await opened;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const navigated = navigations(page);
    const id = await start("greet", { name: "Stream" });
    await expect.poll(() => page.locator(`text=${id}`).count(), { timeout: 20_000 }).toBe(1);
    expect(navigated()).toBe(0);
    await page.close();
  });

  it("starts a run from a workflow's form, and shows bad JSON on the form", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Workflows" }).click();
    const form = page.locator("form", { has: page.getByRole("heading", { name: "greet", exact: true }) });
    await form.locator("textarea[name=input]").fill("{not json");
    await form.getByRole("button", { name: "Start" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("The input is not JSON");
    const again = page.locator("form", { has: page.getByRole("heading", { name: "greet", exact: true }) });
    expect(await again.locator("textarea[name=input]").inputValue()).toBe("{not json");
    await again.locator("textarea[name=input]").fill('{"name":"Form"}');
    await again.getByRole("button", { name: "Start" }).click();
    await page.waitForURL(/\/runs\/[\w-]+$/);
    await expect.poll(() => page.locator("h1").textContent(), { timeout: 20_000 }).toContain("completed");
    expect(await page.locator('[id="step-greet#0"] .logs').textContent()).toContain("greeting Form");
    await page.close();
  });

  it("cancels a waiting run from its page", async () => {
    const id = await start("review", { doc: "draft" });
    await expect.poll(() => runStatus(id), { timeout: 20_000 }).toBe("waiting");
    const page = await signedIn();
    await page.goto(`${server.url}/runs/${id}`);
    // Exact: "Cancel with rollback" sits beside it.
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await expect.poll(() => page.locator("h1").textContent(), { timeout: 20_000 }).toContain("cancelled");
    expect(await runStatus(id)).toBe("cancelled");
    expect(await page.getByRole("button", { name: /^Cancel/ }).count()).toBe(0);
    await page.close();
  });
});
