// `npm run soak`: Baton under `wrangler dev` through crashes. Starts N runs (each three
// tasks around a sleep) while `kill -9`-ing the whole dev server K times at random
// moments and starting it again on the same state, then waits for every run to end.
// Every task tells a loopback counter it ran, so effects are counted from outside:
// completed runs, lost effects (must be 0), duplicated ones (at-least-once), each run's
// recovery (from the restart after the last kill it was open across to its end: the
// slowest must stay within 2 × the 30 s heartbeat timeout), start latency, and the dev
// server's memory. The results replace the soak section of BENCHMARKS.md; it exits 1
// when a run did not complete, an effect was lost or a recovery took too long. Not part
// of `npm test`.
//
// Settings (environment): SOAK_RUNS (1000), SOAK_KILLS (2), SOAK_CONCURRENCY (50
// starts in flight), SOAK_PORT (8798), SOAK_DEADLINE_S (900: give up waiting after).

import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { DevServer, ended as isEnded, root, sleep, startCounter } from "./soak/dev-server.mjs";

const RUNS = Number(process.env.SOAK_RUNS ?? 1000);
const KILLS = Number(process.env.SOAK_KILLS ?? 2);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 50);
const PORT = Number(process.env.SOAK_PORT ?? 8798);
const DEADLINE_S = Number(process.env.SOAK_DEADLINE_S ?? 900);
/** The slowest a run may take to end after a restart: twice the default heartbeat timeout (the liveness window). */
const MAX_RECOVERY_S = 2 * 30;

const counter = await startCounter();
const hits = counter.hits;
const counterUrl = counter.url;
const server = new DevServer(PORT, "soak-token");
const base = server.base;
const headers = server.headers;

// --- the soak

const began = Date.now();
await server.start();
const tags = Array.from({ length: RUNS }, (_, i) => `soak-${began}-${i}`);
const latencies = [];
const ids = new Map();
let memoryPeak = 0;
const memoryTimer = setInterval(() => (memoryPeak = Math.max(memoryPeak, server.memoryMiB())), 2000);

/** Starts one run, retrying across restarts; the Idempotency-Key makes a retried start find the run the first made. */
async function start(tag) {
  for (;;) {
    const t0 = performance.now();
    try {
      const response = await fetch(`${base}/api/runs`, { method: "POST", headers: { ...headers, "Idempotency-Key": tag }, body: JSON.stringify({ workflow: "soak", input: { tag, counter: counterUrl } }) });
      if (response.status === 201 || response.status === 200) {
        latencies.push(performance.now() - t0);
        ids.set(tag, (await response.json()).id);
        return;
      }
    } catch {}
    await sleep(500);
  }
}

// Kills at random moments while runs start and run.
let restarts = 0;
let lastRestart = began;
/** Each kill's time and when the server answered again after it. */
const outages = [];
const kills = (async () => {
  for (let k = 0; k < KILLS; k++) {
    await sleep(5_000 + Math.random() * 25_000);
    process.stderr.write(`kill -9 of wrangler dev (${k + 1}/${KILLS}) ...\n`);
    const killedAt = Date.now();
    server.kill();
    await sleep(500);
    await server.start();
    restarts += 1;
    lastRestart = Date.now();
    outages.push({ killedAt, readyAt: lastRestart });
    process.stderr.write("  started again\n");
  }
})();

let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < tags.length) await start(tags[next++]);
  }),
);
process.stderr.write(`${ids.size} runs started in ${Math.round((Date.now() - began) / 1000)} s\n`);
await kills;

const deadline = Date.now() + DEADLINE_S * 1000;
let ended = new Map();
let summaries = new Map();
for (;;) {
  summaries = await server.listed("soak").catch(() => new Map());
  ended = new Map([...ids].map(([tag, id]) => [tag, summaries.get(id)?.status ?? "unlisted"]));
  const open = [...ended.values()].filter((status) => !isEnded(status)).length;
  if (open === 0 || Date.now() > deadline) break;
  await sleep(1000);
}

/**
 * A run's recovery: from the restart after the last kill it was open across (created
 * before it, ended after it) to its end, by the run's own times. A run still open is
 * counted up to now.
 */
function recoveryS(summary) {
  const created = Date.parse(summary.createdAt);
  const end = isEnded(summary.status) ? Date.parse(summary.updatedAt) : Date.now();
  const crossed = outages.filter((outage) => created < outage.killedAt && end > outage.killedAt).at(-1);
  return crossed ? (end - crossed.readyAt) / 1000 : null;
}
const recoveries = [...ids.values()].map((id) => summaries.get(id)).filter(Boolean).map(recoveryS).filter((s) => s !== null);
const slowestS = recoveries.length > 0 ? Math.max(...recoveries) : 0;
const recoverySorted = [...recoveries].sort((a, b) => a - b);
const recoveryPct = (p) => Math.round((recoverySorted[Math.min(recoverySorted.length - 1, Math.floor((p / 100) * recoverySorted.length))] ?? 0) * 10) / 10;
const recoveredS = (Date.now() - lastRestart) / 1000;
clearInterval(memoryTimer);
const memoryEnd = server.memoryMiB();
server.dispose();
counter.close();

const completed = [...ended.values()].filter((status) => status === "completed").length;
const effects = tags.flatMap((tag) => ["a", "b", "c"].map((name) => hits.get(`${tag}:${name}`) ?? 0));
const lost = effects.filter((n) => n === 0).length;
const duplicated = effects.filter((n) => n > 1).length;
const sorted = [...latencies].sort((a, b) => a - b);
const pct = (p) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
const result = {
  runs: RUNS,
  restarts,
  completed,
  notCompleted: RUNS - completed,
  effects: effects.length,
  lost,
  duplicated,
  recoveredS: Math.round(recoveredS),
  crossedKills: recoveries.length,
  slowestRecoveryS: Math.round(slowestS * 10) / 10,
  recoveryP50S: recoveryPct(50),
  recoveryP90S: recoveryPct(90),
  maxRecoveryS: MAX_RECOVERY_S,
  startP50: pct(50),
  startP99: pct(99),
  memoryPeak,
  memoryEnd,
  totalS: Math.round((Date.now() - began) / 1000),
};
console.log(JSON.stringify(result, null, 2));

const cpu = cpus();
const section = `<!-- soak:results:start -->
Measured ${new Date().toISOString().slice(0, 10)} by \`npm run soak\` on ${cpu.length} × ${cpu[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM:
${RUNS} runs (three tasks around a 1 s sleep each, ${CONCURRENCY} starts in flight), ${restarts} \`kill -9\`s of \`wrangler dev\` at random moments, each followed by a restart on the same state.

| runs completed | effects lost | effects duplicated | runs open across a kill | recovery p50 / p90 / slowest (limit ${MAX_RECOVERY_S} s) | all runs ended, after the last restart | start latency p50 / p99 | dev server memory peak / at the end | total |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| ${completed} of ${RUNS} | ${lost} of ${effects.length} | ${duplicated} | ${recoveries.length} | ${result.recoveryP50S} / ${result.recoveryP90S} / ${result.slowestRecoveryS} s | ${result.recoveredS} s | ${result.startP50} / ${result.startP99} ms | ${memoryPeak} / ${memoryEnd} MiB | ${result.totalS} s |
<!-- soak:results:end -->`;
const file = join(root, "BENCHMARKS.md");
let doc = readFileSync(file, "utf8");
const from = doc.indexOf("<!-- soak:results:start -->");
const to = doc.indexOf("<!-- soak:results:end -->");
doc = from >= 0 && to > from ? doc.slice(0, from) + section + doc.slice(to + "<!-- soak:results:end -->".length) : `${doc}\n## Reliability\n\n${section}\n`;
writeFileSync(file, doc);
console.log("BENCHMARKS.md updated.");
if (slowestS > MAX_RECOVERY_S) console.error(`a run took ${result.slowestRecoveryS} s to end after a restart, over the ${MAX_RECOVERY_S} s limit`);
process.exit(lost === 0 && completed === RUNS && slowestS <= MAX_RECOVERY_S ? 0 : 1);
