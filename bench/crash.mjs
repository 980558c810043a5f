// `npm run crash`: the two crash windows that once cost a run 10 minutes, each with a
// `kill -9` of the whole `wrangler dev` at the moment that hurts, then a restart on the
// same state. "wake": CRASH_RUNS runs sleep until one shared time; the server is killed
// just after it, once the first twentieth have run their next task and the rest are
// between their alarm and the flush that sends theirs.
// "events": as many runs wait for an event; the events go out in a burst (each with an
// Idempotency-Key) and the server is killed in the middle of it; after the restart every
// event is sent again with its key, as a client retrying lost answers would. Reported for
// each: every run completed, no effect lost, each event delivered once, and how long the
// slowest run took to end after the restart (it must be within CRASH_LIMIT_S, 120).
// Exits 1 when any of that fails. Not part of `npm test`; results go in BENCHMARKS.md.
//
// Settings (environment): CRASH_RUNS (300), CRASH_PORT (8797), CRASH_LIMIT_S (120).

import { DevServer, ended, sleep, startCounter } from "./soak/dev-server.mjs";

const RUNS = Number(process.env.CRASH_RUNS ?? 300);
const PORT = Number(process.env.CRASH_PORT ?? 8797);
const LIMIT_S = Number(process.env.CRASH_LIMIT_S ?? 120);

const counter = await startCounter();

/** Calls `fn` on every item, `width` at a time. */
async function inBatches(items, width, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** Starts one run per tag with the Idempotency-Key of its tag, retrying until answered; answers the ids by tag. */
async function startAll(server, workflow, tags, input) {
  const ids = new Map();
  await inBatches(tags, 50, async (tag) => {
    for (;;) {
      const response = await server.api("/api/runs", { method: "POST", headers: { "Idempotency-Key": tag }, body: JSON.stringify({ workflow, input: input(tag) }) });
      const run = response && (response.status === 201 || response.status === 200) ? await response.json().catch(() => null) : null;
      if (run) return ids.set(tag, run.id);
      await sleep(300);
    }
  });
  return ids;
}

/** Waits until every run of `ids` shows `status` (or has ended). */
async function until(server, workflow, ids, done) {
  for (;;) {
    const listed = await server.listed(workflow).catch(() => new Map());
    if ([...ids.values()].every((id) => done(listed.get(id)))) return listed;
    await sleep(500);
  }
}

/** Waits for every run to end after the restart at `readyAt`; answers what the list showed and the slowest run's time from the restart. */
async function recovery(server, workflow, ids, readyAt) {
  const deadline = readyAt + 10 * LIMIT_S * 1000;
  let listed = new Map();
  while (Date.now() < deadline) {
    listed = await server.listed(workflow).catch(() => new Map());
    if ([...ids.values()].every((id) => ended(listed.get(id)?.status))) break;
    await sleep(500);
  }
  const ends = [...ids.values()].map((id) => {
    const run = listed.get(id);
    return run && ended(run.status) ? Date.parse(run.updatedAt) : Date.now();
  });
  return { listed, slowestS: Math.round((Math.max(...ends) - readyAt) / 100) / 10 };
}

async function wake() {
  const server = new DevServer(PORT, "crash-token");
  await server.start();
  const tags = Array.from({ length: RUNS }, (_, i) => `wake-${Date.now()}-${i}`);
  const wakeAt = Date.now() + 20_000 + RUNS * 30;
  const ids = await startAll(server, "wake", tags, (tag) => ({ tag, counter: counter.url, wakeAt: new Date(wakeAt).toISOString() }));
  await until(server, "wake", ids, (run) => run?.status === "sleeping");
  if (Date.now() > wakeAt) throw new Error("the runs were not all asleep before their wake time: raise the margin");
  // Just after the wake: once the first runs' next tasks have run, the others are between their alarm and their flush.
  await sleep(wakeAt - Date.now());
  const woke = () => tags.filter((tag) => counter.hits.get(`${tag}:b`)).length;
  const giveUp = Date.now() + 10_000;
  while (woke() < Math.max(1, RUNS / 20) && Date.now() < giveUp) await sleep(10);
  server.kill();
  const killedAt = Date.now();
  await sleep(500);
  await server.start();
  const readyAt = Date.now();
  const { listed, slowestS } = await recovery(server, "wake", ids, readyAt);
  server.dispose();
  const completed = [...ids.values()].filter((id) => listed.get(id)?.status === "completed").length;
  const lost = tags.flatMap((tag) => ["a", "b", "c"].filter((name) => !counter.hits.get(`${tag}:${name}`))).length;
  return { scenario: "wake", runs: RUNS, completed, lost, restartS: Math.round((readyAt - killedAt) / 100) / 10, slowestS };
}

async function events() {
  const server = new DevServer(PORT, "crash-token");
  await server.start();
  const tags = Array.from({ length: RUNS }, (_, i) => `event-${Date.now()}-${i}`);
  const ids = await startAll(server, "signalled", tags, (tag) => ({ tag, counter: counter.url }));
  await until(server, "signalled", ids, (run) => run?.status === "waiting");
  const send = (tag) => server.api(`/api/runs/${ids.get(tag)}/events/go`, { method: "POST", headers: { "Idempotency-Key": `go-${tag}` }, body: JSON.stringify({ payload: tag }) });
  const answered = new Set();
  let sent = 0;
  let killedAt = 0;
  await inBatches(tags, 25, async (tag) => {
    sent += 1;
    if (sent === Math.floor(RUNS / 2) && !killedAt) {
      server.kill();
      killedAt = Date.now();
    }
    const response = await send(tag);
    if (response?.status === 202) answered.add(tag);
  });
  await sleep(500);
  await server.start();
  const readyAt = Date.now();
  // A client retries every send (the answered ones too, as if their answers were lost): the key makes each count once.
  const retried = { accepted: 0, refused: 0 };
  await inBatches(tags, 25, async (tag) => {
    for (;;) {
      const response = await send(tag);
      if (response?.status === 202) return (retried.accepted += 1);
      if (response) return (retried.refused += 1);
      await sleep(300);
    }
  });
  const { listed, slowestS } = await recovery(server, "signalled", ids, readyAt);
  const details = await Promise.all(tags.map((tag) => server.json(`/api/runs/${ids.get(tag)}`)));
  server.dispose();
  const completed = tags.filter((tag) => listed.get(ids.get(tag))?.status === "completed").length;
  const wrongPayload = details.filter((run, i) => run?.output !== tags[i]).length;
  const keptExtra = details.reduce((n, run) => n + (run?.inbox?.length ?? 0), 0);
  const lost = tags.flatMap((tag) => ["a", "b"].filter((name) => !counter.hits.get(`${tag}:${name}`))).length;
  return { scenario: "events", runs: RUNS, answeredBeforeKill: answered.size, completed, lost, wrongPayload, keptExtra, retried, restartS: Math.round((readyAt - killedAt) / 100) / 10, slowestS };
}

const results = [await wake(), await events()];
counter.close();
console.log(JSON.stringify(results, null, 2));
const ok = results.every((r) => r.completed === RUNS && r.lost === 0 && r.slowestS <= LIMIT_S && (r.wrongPayload ?? 0) === 0 && (r.keptExtra ?? 0) === 0);
if (!ok) console.error("crash: a run did not complete in time, an effect was lost, or an event was delivered twice");
process.exit(ok ? 0 : 1);
