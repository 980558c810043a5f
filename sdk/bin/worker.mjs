// `baton worker`: a worker you run, in Node, speaking protocol v1 (DESIGN.md, "Workers
// you run"). It serves the TypeScript tasks that name its queue (`task(fn, { queue:
// "gpu" })`: it replays the run's body from the log to the task, as a queue consumer
// does, and runs the closure) and the scripts in its folder, which workflows anywhere
// call with taskScript. Bodies stay in the Worker. Node-only: it imports the project's
// workflow files (Node ≥ 22.18 strips their types) and uses node:os for the host name.

import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { workflowFiles } from "./build.mjs";

const PROTOCOL = 1;

/** A refusal from the Worker: its HTTP status and error code. */
class Refused extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The Worker could not be reached. */
class Unreachable extends Error {}

/**
 * Loads the workflows and scripts under `folder`: each file's default export, registered
 * under its path as `baton build` registers it. Files that do not load are named and skipped.
 */
export async function loadFolder(folder, api, say) {
  const workflows = new Map();
  const scripts = new Map();
  for (const { file, companion, name, version } of workflowFiles(resolve(folder))) {
    let module;
    try {
      module = await import(pathToFileURL(file).href);
    } catch (error) {
      say(`skipped ${name}: it does not load: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const value = module.default;
    if (api.isScript(value)) scripts.set(name, { script: value, version });
    else if (!companion && api.isWorkflow(value)) workflows.set(name, { workflow: value, version });
  }
  return { workflows, scripts };
}

/** A client of one Worker's protocol routes. */
function client(url, token, fetchImpl = fetch) {
  const base = url.replace(/\/+$/, "");
  return async function call(method, path, body, timeoutMs = 60_000) {
    let response;
    try {
      response = await fetchImpl(`${base}/api/worker/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new Unreachable(error instanceof Error ? (error.cause?.code ?? error.message) : String(error));
    }
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Refused(response.status, json?.error?.code ?? "http_error", json?.error?.message ?? text.slice(0, 200));
    return json;
  };
}

/** The one line a refusal no retry fixes prints; null for one worth retrying. */
function fatal(error, url) {
  if (!(error instanceof Refused)) return null;
  if (error.status === 401) return `the Worker at ${url} refused the worker token (401): set BATON_WORKER_TOKEN to the Worker's BATON_WORKER_TOKEN secret (or pass --token)`;
  if (error.code === "protocol_mismatch") return `the Worker at ${url} does not speak worker protocol ${PROTOCOL}: ${error.message}`;
  if (error.code === "worker_token_unset") return `the Worker at ${url} has no BATON_WORKER_TOKEN secret: set one with \`wrangler secret put BATON_WORKER_TOKEN\` (npm run dev uses baton-dev-worker-token)`;
  return null;
}

/**
 * Serves `queue` until SIGTERM or SIGINT (then finishes what it claimed and exits 0);
 * answers the exit status: 2 for a refusal no retry fixes.
 */
export async function runWorker({ url, token, queue = "node", concurrency = 4, folder = "workflows", sdk }, engine, api, io, fetchImpl) {
  const say = (line) => io.err(`baton worker: ${line}`);
  const call = client(url, token, fetchImpl);
  const { workflows, scripts } = await loadFolder(folder, api, say);
  const id = randomUUID();
  const registration = {
    protocol: PROTOCOL,
    worker: { id, language: "typescript", sdk, queue, host: hostname().slice(0, 200) },
    // Bodies stay in the Worker: only scripts are offered by name; tasks reach this worker by their queue option.
    workflows: [],
    scripts: [...scripts].map(([name, { version }]) => ({ name, version })),
  };
  let lease = 30;
  let pollSeconds = 25;
  let stopping = false;
  let backoff = 1;
  const inFlight = new Set();
  const stop = () => {
    if (!stopping) say("stopping: finishing claimed work, polling no more");
    stopping = true;
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const sleep = (seconds) => new Promise((done) => setTimeout(done, seconds * 1000));
  const register = async () => {
    const answer = await call("POST", "/register", registration);
    lease = answer.leaseSeconds ?? lease;
    pollSeconds = answer.pollSeconds ?? pollSeconds;
  };

  for (;;) {
    try {
      await register();
      break;
    } catch (error) {
      const reason = fatal(error, url);
      if (reason || error instanceof Refused) {
        say(reason ?? `the Worker at ${url} refused: ${error.status} ${error.code}: ${error.message}`);
        return 2;
      }
      say(`cannot reach ${url}: ${error.message}; retrying in ${backoff} s`);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 30);
      if (stopping) return 0;
    }
  }
  say(`serving ${workflows.size} workflow(s) for their tasks and ${scripts.size} script(s) on queue ${JSON.stringify(queue)} as worker ${id} (${concurrency} slot(s))`);
  const presence = setInterval(() => register().catch(() => {}), (lease / 2) * 1000);
  backoff = 1;
  while (!stopping) {
    if (inFlight.size >= concurrency) {
      await Promise.race(inFlight);
      continue;
    }
    let items;
    try {
      items = (await call("POST", `/queues/${encodeURIComponent(queue)}/poll`, { worker: id, max: Math.min(concurrency - inFlight.size, 32) }, (pollSeconds + 15) * 1000)).items;
      backoff = 1;
    } catch (error) {
      const reason = fatal(error, url);
      if (reason) {
        say(reason);
        stopping = true;
        clearInterval(presence);
        await Promise.all(inFlight);
        return 2;
      }
      say(error instanceof Unreachable ? `cannot reach ${url}: ${error.message}; retrying in ${backoff} s` : `poll refused: ${error.message}; retrying in ${backoff} s`);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 30);
      continue;
    }
    // Items a poll already claimed are run even when a stop came meanwhile: they are claimed work.
    for (const item of items) {
      const done = handle(item).finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
  }
  clearInterval(presence);
  await Promise.all(inFlight);
  return 0;

  async function handle(item) {
    const cancel = new AbortController();
    const beat = setInterval(async () => {
      try {
        const { wanted } = await call("POST", `/claims/${item.claim}/heartbeat`);
        if (!wanted) cancel.abort(new Error("the attempt is no longer wanted"));
      } catch (error) {
        if (error instanceof Refused && error.status === 410) cancel.abort(new Error("the claim lapsed"));
      }
    }, (lease / 3) * 1000);
    try {
      if (item.kind !== "task") {
        // A body this worker does not run: say so, and let the claim lapse to a worker that does.
        say(`activation of run ${item.runId} (${item.workflow}) skipped: baton worker runs tasks and scripts, bodies run in the Worker`);
        return;
      }
      say(`task run=${item.runId} key=${item.key} attempt=${item.attempt}${item.script ? ` script=${item.script.path}` : ""}`);
      const outcome = await attempt(item, cancel.signal);
      if (cancel.signal.aborted) return;
      const logs = (outcome.logs ?? []).map(({ level, message, at }) => ({ level, message: message.slice(0, 16_384), at }));
      const answer = outcome.ok ? { outcome: { ok: true, ...(outcome.value === undefined ? {} : { value: outcome.value }) }, logs } : { outcome: { ok: false, error: outcome.error }, logs };
      await call("POST", `/claims/${item.claim}/complete`, answer).catch((error) => say(`task ${item.key} of run ${item.runId}: the answer was not taken: ${error.message}`));
    } catch (error) {
      say(`task ${item.key} of run ${item.runId}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearInterval(beat);
    }
  }

  async function attempt(item, signal) {
    const timeout = Math.max(1, (item.deadline - Date.now()) / 1000);
    if (item.script) {
      const found = scripts.get(item.script.path);
      if (!found) return { ok: false, error: engine.toErrorData(new api.ScriptNotFoundError(`script "${item.script.path}" is not in this worker's folder (${folder})`)) };
      return engine.runClosure((context) => found.script.run(item.script.args, context), item.key, item.attempt, timeout, signal);
    }
    const run = item.activation;
    const found = run && workflows.get(run.workflow);
    if (!found) return { ok: false, error: engine.toErrorData(new api.WorkflowNotFoundError(`workflow "${run?.workflow}" is not in this worker's folder (${folder})`)) };
    const log = [...run.log];
    for (let cursor = run.logCursor; cursor; ) {
      const page = await call("GET", `/claims/${item.claim}/log?cursor=${encodeURIComponent(cursor)}`);
      log.push(...page.log);
      cursor = page.logCursor;
    }
    // A later copy of an entry (it changed while the log was paged) wins.
    const latest = [...new Map(log.map((entry) => [entry.key, entry])).values()];
    const codeChange = run.version && run.version !== found.version ? `the run started on version ${run.version} of ${run.workflow}; this worker has ${found.version}` : undefined;
    const resolver = { script: (path) => scripts.get(path)?.script, isWorkflow: (path) => workflows.has(path) };
    return engine.runTaskByReplay(found.workflow.run, run.input, latest, item.key, item.attempt, { resolver, seed: run.seed, startedAt: run.startedAt, codeChange }, signal);
  }
}
