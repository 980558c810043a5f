// `npm run bench:console`: how fast the console is on big things, under `wrangler dev`
// (the browser tests' Worker): a run page of a run with 5,000 steps, and paging the
// run list through 10,000 runs. Server times are the full response; browser times are
// Chromium's navigation to the page's load event. Medians of BENCH_REPS (default 5)
// after one warm-up. Rewrites the console section of BENCHMARKS.md.
// Usage: npm run bench:console

import { readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem, type as osType } from "node:os";
import { chromium } from "playwright-core";
import { chromiumPath, startDevServer, TOKEN } from "../test/browser/dev-server.ts";

const reps = Number(process.env.BENCH_REPS ?? 5);
const STEPS = Number(process.env.BENCH_STEPS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

const server = await startDevServer();
const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
const auth = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
const api = async <T>(path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${server.url}${path}`, body === undefined ? { headers: auth } : { method: "POST", headers: auth, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
};
const until = async (id: string): Promise<void> => {
  while ((await api<{ status: string }>(`/api/runs/${id}`)).status !== "completed") await new Promise((resolve) => setTimeout(resolve, 500));
};
/** Times `fn` once to warm up, then `reps` times; answers the samples (ms). */
const timed = async (fn: () => Promise<unknown>): Promise<number[]> => {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(Math.round(performance.now() - t0));
  }
  return samples;
};

try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.fill("input[name=token]", TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Runs" }).waitFor();
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const html = async (path: string): Promise<number> => {
    const response = await fetch(`${server.url}${path}`, { headers: { Cookie: cookie } });
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return (await response.text()).length;
  };

  process.stderr.write(`a run of ${STEPS} steps ...\n`);
  const big = (await api<{ id: string }>("/api/runs", { workflow: "many", input: { n: STEPS } })).id;
  await until(big);
  const lastPage = `/runs/${big}?from=${Math.floor((STEPS - 1) / 100) * 100}`;
  const runPage = await timed(() => html(`/runs/${big}`));
  const runLast = await timed(() => html(lastPage));
  const runLive = await timed(() => html(`/runs/${big}/live`));
  const runBrowser = await timed(() => page.goto(`${server.url}/runs/${big}`, { waitUntil: "load" }));
  const runJson = await timed(() => api(`/api/runs/${big}`));
  const pageBytes = await html(`/runs/${big}`);

  process.stderr.write(`${RUNS} runs ...\n`);
  const t0 = performance.now();
  for (let started = 0; started < RUNS; ) {
    const batch = Math.min(50, RUNS - started);
    await Promise.all(Array.from({ length: batch }, (_, i) => api("/api/runs", { workflow: "noop", input: { i: started + i } })));
    started += batch;
  }
  const startSeconds = ((performance.now() - t0) / 1000).toFixed(0);
  const listFirst = await timed(() => html("/"));
  const listBrowser = await timed(() => page.goto(server.url, { waitUntil: "load" }));
  // Every page of the list, following "Next page" as a reader would.
  const walk = async (): Promise<number> => {
    let path: string | null = "/";
    let pages = 0;
    while (path) {
      const response: Response = await fetch(`${server.url}${path}`, { headers: { Cookie: cookie } });
      const text: string = await response.text();
      pages++;
      const next: string | undefined = /<a href="([^"]+)">Next page<\/a>/.exec(text)?.[1];
      path = next ? next.replaceAll("&amp;", "&") : null;
    }
    return pages;
  };
  const pages = await walk();
  const listWalk = await timed(walk);

  const rows: [string, number[]][] = [
    [`run page, ${STEPS} steps (first 100 shown), server`, runPage],
    [`run page, ${STEPS} steps, last 100, server`, runLast],
    [`run page live refresh, ${STEPS} steps, server`, runLive],
    [`run page, ${STEPS} steps, Chromium to load`, runBrowser],
    [`GET /api/runs/:id, ${STEPS} steps (for comparison: the whole run as JSON)`, runJson],
    [`run list, first page of 50 (${RUNS}+ runs), server`, listFirst],
    [`run list, first page, Chromium to load`, listBrowser],
    [`run list, all ${pages} pages of 50 in turn (${RUNS}+ runs), server`, listWalk],
  ];
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${osType()} ${release()}`;
  const section = `<!-- bench:console:start -->
## The console on big runs and long lists

Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:console\` on ${machine}, Node ${process.version},
against \`wrangler dev\` on loopback. Medians of ${reps} after one warm-up. The run page shows 100 steps at
a time (with links to the others); the list pages by cursor, 50 runs a page. The run page
of ${STEPS} steps is ${(pageBytes / 1024).toFixed(0)} KB of HTML. Starting the ${RUNS} runs took ${startSeconds} s.

| what | median (ms) | samples (ms) |
|---|---:|---|
${rows.map(([what, samples]) => `| ${what} | ${median(samples)} | ${samples.join(", ")} |`).join("\n")}

There is no peer figure: Cloudflare's dashboard, Temporal's and Inngest's UIs do not run
here. The API's whole-run JSON is the nearest thing the console replaces.
<!-- bench:console:end -->`;
  console.log(section);
  const file = "BENCHMARKS.md";
  let doc = readFileSync(file, "utf8");
  const start = doc.indexOf("<!-- bench:console:start -->");
  const end = doc.indexOf("<!-- bench:console:end -->");
  doc = start >= 0 && end > start ? doc.slice(0, start) + section + doc.slice(end + "<!-- bench:console:end -->".length) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, doc);
} finally {
  await browser.close();
  await server.stop();
}
