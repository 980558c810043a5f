// `npm run bench`: starts the benchmark Worker under `wrangler dev` (Baton and an
// equivalent Cloudflare Workflows implementation in one workerd), runs each workload
// on both engines (one warm-up, then BENCH_REPS repetitions, default 5), prints a table
// and rewrites the results section of BENCHMARKS.md.

import { execFileSync, spawn } from "node:child_process";
import { connect } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, freemem, tmpdir, totalmem, type as osType, release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRegistry } from "../scripts/build-registry.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.BENCH_PORT ?? 8799);
const reps = Number(process.env.BENCH_REPS ?? 5);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const base = `http://127.0.0.1:${port}`;

const allWorkloads = [
  { id: "W1", what: "1 run: 100 sequential step()", baton: { workload: "w1", input: { n: 100 } }, cf: { workload: "w1", input: { n: 100 } }, floor: { workload: "w1", input: { n: 100 } }, runs: 1 },
  { id: "W2", what: "1 run: parallel over 200 items, one task() each, concurrency 50", baton: { workload: "w2", input: { n: 200, concurrency: 50 } }, cf: { workload: "w2", input: { n: 200 } }, runs: 1 },
  { id: "W3", what: "200 runs of one task() each, started together", baton: { workload: "w3", input: {} }, cf: { workload: "w3", input: {} }, floor: { workload: "w3", input: {} }, runs: 200 },
  { id: "W4", what: "1,000 runs of one task() each, started together", baton: { workload: "w3", input: {} }, cf: { workload: "w3", input: {} }, floor: { workload: "w3", input: {} }, runs: 1000, warmRuns: 100 },
  // W4 started with each engine's batch start: Baton's startMany (one call of 1,000), Cloudflare's createBatch (10 calls of 100, at once).
  { id: "W4b", what: "1,000 runs of one task() each, batch starts (Baton startMany, CF createBatch)", baton: { workload: "w3", input: {}, batch: true }, cf: { workload: "w3", input: {}, batch: true }, runs: 1000, warmRuns: 100 },
  ...[20, 200, 1000].map((n) => ({ id: `G${n}`, what: `1 run: ${n} sequential task()`, baton: { workload: "g", input: { n } }, cf: { workload: "g", input: { n } }, runs: 1, tasks: n })),
];
// BENCH_ONLY=W3,W4 measures just those (while working on them); the results section is then not rewritten.
const only = process.env.BENCH_ONLY?.split(",");
const workloads = only ? allWorkloads.filter((w) => only.includes(w.id)) : allWorkloads;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function post(path, body) {
  const response = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

async function startWorker() {
  const busy = await fetch(`${base}/`).then(() => true, () => false);
  if (busy) throw new Error(`port ${port} is already serving something; stop it or set BENCH_PORT`);
  buildRegistry(join(root, "bench/workflows"), join(root, "bench/generated/workflows.ts"));
  const state = mkdtempSync(join(tmpdir(), "baton-bench-"));
  const child = spawn(join(root, "node_modules/.bin/wrangler"), ["dev", "-c", "bench/wrangler.bench.toml", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--log-level", "error"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` },
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const deadline = Date.now() + 60_000;
  // Waits for the port, then times the first request: the Worker's cold start (module
  // load and first handler) as `wrangler dev` shows it.
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true)));
      socket.on("error", () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`wrangler dev did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  let coldMs;
  for (;;) {
    const t0 = performance.now();
    const ok = await fetch(`${base}/`).then((r) => r.ok, () => false);
    if (ok) {
      coldMs = Math.round(performance.now() - t0);
      break;
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`wrangler dev did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    coldMs,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      // workerd may hold the port a moment longer than wrangler lives.
      while (await fetch(`${base}/`).then(() => true, () => false)) await new Promise((r) => setTimeout(r, 100));
      rmSync(state, { recursive: true, force: true });
    },
  };
}

async function measure(engine, w) {
  const spec = w[engine];
  // Warm-up: one run of the workload (of at most 100 steps: G1000's warm-up is a G100).
  const warmInput = spec.input.n > 100 ? { ...spec.input, n: 100 } : spec.input;
  await post("/bench/measure", { engine, workload: spec.workload, input: warmInput, runs: w.warmRuns ?? w.runs, batch: spec.batch });
  const samples = [];
  for (let i = 0; i < reps; i++) samples.push(await post("/bench/measure", { engine, workload: spec.workload, input: spec.input, runs: w.runs, batch: spec.batch }));
  return samples;
}

function versions() {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  // wrangler dev runs its own nested copies of workerd and miniflare where it has them.
  const v = (name) => (lock.packages[`node_modules/wrangler/node_modules/${name}`] ?? lock.packages[`node_modules/${name}`])?.version ?? "?";
  return { wrangler: v("wrangler"), workerd: v("workerd"), miniflare: v("miniflare"), node: process.version };
}

/** The deployable Worker's size as `wrangler deploy --dry-run` reports it (before compression, and gzipped). */
function bundleSize() {
  const out = execFileSync(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", mkdtempSync(join(tmpdir(), "baton-bundle-"))], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` },
  });
  const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(out);
  return match ? { kib: Number(match[1]), gzipKib: Number(match[2]) } : null;
}

const rows = [];
const colds = [];
const began = Date.now();
let idle;
// Each engine gets a fresh workerd for each workload, so none is measured in a process
// another aged: Cloudflare's local engine keeps every instance's object (and its open
// files) for the life of the process, and whatever ran first changes what follows.
async function measureFresh(engine, w) {
  const worker = await startWorker();
  colds.push(worker.coldMs);
  try {
    return await measure(engine, w);
  } finally {
    await worker.stop();
  }
}

for (const w of workloads) {
  process.stderr.write(`${w.id}: ${w.what} ...\n`);
  const baton = await measureFresh("baton", w);
  const floor = w.floor ? await measureFresh("floor", w) : null;
  const cf = await measureFresh("cf", w);
  const row = { ...w, batonMs: median(baton.map((s) => s.ms)), cfMs: median(cf.map((s) => s.ms)), batonSamples: baton.map((s) => s.ms), cfSamples: cf.map((s) => s.ms) };
  // Until the last start call answered, within the time above.
  row.batonStartsMs = median(baton.map((s) => s.startsMs));
  row.cfStartsMs = median(cf.map((s) => s.startsMs));
  if (floor) {
    row.floorMs = median(floor.map((s) => s.ms));
    row.floorSamples = floor.map((s) => s.ms);
  }
  if (w.tasks) {
    row.bytesPerTask = Math.round(median(baton.map((s) => (s.contextBytes + s.reportBytes) / w.tasks)));
    row.consumerInvocations = median(baton.map((s) => s.consumerInvocations));
  }
  rows.push(row);
  process.stderr.write(`  baton ${row.batonMs} ms, cloudflare workflows ${row.cfMs} ms${floor ? `, floor ${row.floorMs} ms` : ""}\n`);
}
if (!only) {
  const worker = await startWorker();
  colds.push(worker.coldMs);
  try {
    process.stderr.write(`Idle: a run sleeping ${idleSeconds} s ...\n`);
    idle = await post("/bench/idle", { seconds: idleSeconds });
  } finally {
    await worker.stop();
  }
}
const bundle = only ? null : bundleSize();
process.stderr.write(`bench took ${Math.round((Date.now() - began) / 1000)} s\n`);

const ratio = (r) => (r.batonMs / r.cfMs).toFixed(2);
if (only) {
  for (const r of rows) {
    console.log(`${r.id}: Baton ${r.batonMs} ms, CF ${r.cfMs} ms, ${ratio(r)}× (samples ${r.batonSamples.join(", ")} | ${r.cfSamples.join(", ")}); starts answered after ${r.batonStartsMs} | ${r.cfStartsMs} ms`);
    if (r.floorMs) console.log(`${r.id} floor: ${r.floorMs} ms, ${(r.floorMs / r.cfMs).toFixed(2)}× CF (samples ${r.floorSamples.join(", ")})`);
  }
  console.log(`cold starts (ms): ${colds.join(", ")}`);
  process.exit(0);
}

const table = [
  "| workload | what | Baton (ms) | Cloudflare Workflows (ms) | Baton / CF |",
  "|---|---|---:|---:|---:|",
  ...rows.map((r) => `| ${r.id} | ${r.what} | ${r.batonMs} | ${r.cfMs} | ${ratio(r)}× |`),
].join("\n");
const floors = rows.filter((r) => r.floorMs);
const floorTable = [
  "| workload | the design's floor (ms) | Cloudflare Workflows (ms) | floor / CF | Baton / floor |",
  "|---|---:|---:|---:|---:|",
  ...floors.map((r) => `| ${r.id} | ${r.floorMs} | ${r.cfMs} | ${(r.floorMs / r.cfMs).toFixed(2)}× | ${(r.batonMs / r.floorMs).toFixed(2)}× |`),
].join("\n");
const g = Object.fromEntries(rows.filter((r) => r.tasks).map((r) => [r.tasks, r]));
const growth = [
  "| n tasks | Baton (ms) | ms per task | bytes per task (run object ⇄ consumer) | consumer invocations |",
  "|---:|---:|---:|---:|---:|",
  ...Object.values(g).map((r) => `| ${r.tasks} | ${r.batonMs} | ${(r.batonMs / r.tasks).toFixed(1)} | ${r.bytesPerTask} | ${r.consumerInvocations} |`),
].join("\n");
const v = versions();
const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${osType()} ${release()}`;
const section = `<!-- bench:results:start -->
## Latest results

Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` on ${machine};
wrangler ${v.wrangler} (workerd ${v.workerd}), Node ${v.node}. Medians of ${reps} repetitions after one warm-up,
each engine and workload in a fresh \`wrangler dev\`.

${table}

The design's floor (\`FloorRun\` in \`bench/worker.ts\`; W1: one Durable Object storing each step, begun and
finished, in an event-loop turn of its own; W3 and W4: a Durable Object per run, listed at start and end, one
queue message per task, one claim RPC and one report RPC per task; nothing else), each in its own fresh
\`wrangler dev\` as above:

${floorTable}

Growth with the number of sequential tasks (G): time(200) / time(20) = ${(g[200].batonMs / g[20].batonMs).toFixed(1)}; time(1000) / time(200) = ${(g[1000].batonMs / g[200].batonMs).toFixed(1)}.

Cold start (the first request to a freshly started \`wrangler dev\`, one per engine and workload above): median ${median(colds)} ms (${colds.join(", ")}).
Bundle (\`wrangler deploy --dry-run\` of \`wrangler.toml\`): ${bundle ? `${bundle.kib} KiB, ${bundle.gzipKib} KiB gzipped` : "not measured"}.

${growth}

Idle (one run sleeping ${idleSeconds} s, counted from the sleep's start to 200 ms before its wake):
consumer invocations ${idle.duringSleep.consumerInvocations}, run-object alarms ${idle.duringSleep.alarms}, task contexts served ${idle.duringSleep.contextCalls};
after the wake: ${idle.afterWake.alarms} alarm, ${idle.afterWake.consumerInvocations} consumer invocation.

Samples (ms), Baton | Cloudflare Workflows:
${rows.map((r) => `- ${r.id}: ${r.batonSamples.join(", ")} | ${r.cfSamples.join(", ")}${r.floorSamples ? ` (floor: ${r.floorSamples.join(", ")})` : ""}`).join("\n")}

Until the last start call answered (medians, ms), Baton | Cloudflare Workflows:
${rows.filter((r) => r.runs > 1).map((r) => `- ${r.id}: ${r.batonStartsMs} | ${r.cfStartsMs}`).join("\n")}
<!-- bench:results:end -->`;

console.log(`\n${table}\n\n${growth}\n\nIdle during ${idleSeconds} s sleep: ${JSON.stringify(idle.duringSleep)}\n`);

const file = join(root, "BENCHMARKS.md");
let doc;
try {
  doc = readFileSync(file, "utf8");
} catch {
  doc = "# Benchmarks\n\n<!-- bench:results:start -->\n<!-- bench:results:end -->\n";
}
const start = doc.indexOf("<!-- bench:results:start -->");
const end = doc.indexOf("<!-- bench:results:end -->");
doc = start >= 0 && end > start ? doc.slice(0, start) + section + doc.slice(end + "<!-- bench:results:end -->".length) : `${doc}\n${section}\n`;
writeFileSync(file, doc);
console.log("BENCHMARKS.md updated.");
