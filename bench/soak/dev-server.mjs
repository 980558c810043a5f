// What the crash benches share: a loopback counter every task tells that it ran (so
// effects are counted from outside the Worker), and Baton under `wrangler dev` on a
// state folder of its own, killed with `kill -9` (wrangler and every workerd it started)
// and started again on the same state.

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRegistry } from "../../scripts/build-registry.mjs";
import { writeDevWranglerConfig } from "../../scripts/test-wrangler-config.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback server counting `GET /hit/<name>`; `hits` maps each name to its count. */
export async function startCounter() {
  const hits = new Map();
  const server = createServer((request, response) => {
    const match = /^\/hit\/(.+)$/.exec(request.url ?? "");
    if (!match) return response.writeHead(404).end();
    const n = (hits.get(match[1]) ?? 0) + 1;
    hits.set(match[1], n);
    response.setHeader("content-type", "application/json").end(JSON.stringify(n));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { hits, url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Every dev server started, so none outlives this process (a detached group would go on serving its port). */
const started = new Set();
process.on("exit", () => {
  for (const server of started) server.kill();
});

/** Baton with the workflows of bench/soak/workflows under `wrangler dev` on `port`, on a fresh state folder. */
export class DevServer {
  constructor(port, token) {
    // The Worker imports the project's registry too, which only a build writes (a fresh clone has none).
    buildRegistry();
    buildRegistry(join(root, "bench/soak/workflows"), join(root, "bench/generated/soak-workflows.ts"));
    this.config = writeDevWranglerConfig("bench/generated/soak.wrangler.toml", "../soak/worker.ts");
    this.state = mkdtempSync(join(tmpdir(), "baton-soak-"));
    this.port = port;
    this.token = token;
    this.base = `http://127.0.0.1:${port}`;
    this.headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  }

  /** Starts it (again, on the same state) and waits until it answers. */
  async start() {
    // Something else answering on the port would be measured instead: refuse.
    if (await this.answers()) throw new Error(`something already answers on port ${this.port}: stop it first`);
    started.add(this);
    this.child = spawn(join(root, "node_modules/.bin/wrangler"), ["dev", "-c", this.config, "--port", String(this.port), "--ip", "127.0.0.1", "--persist-to", this.state, "--log-level", "error", "--var", `BATON_API_TOKEN:${this.token}`], {
      cwd: root,
      // Its own process group, so one kill takes wrangler and every workerd it started.
      detached: true,
      stdio: ["ignore", "ignore", "ignore"],
      env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` },
    });
    const deadline = Date.now() + 90_000;
    while (!(await this.answers())) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error("wrangler dev did not start");
      await sleep(200);
    }
  }

  /** True when the API answers on the port within 2 s. */
  answers() {
    return fetch(`${this.base}/api/workflows`, { headers: this.headers, signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
  }

  /** `kill -9` of wrangler and every workerd it started. */
  kill() {
    try {
      if (this.child) process.kill(-this.child.pid, "SIGKILL");
    } catch {}
  }

  /** Stops it and removes its state. */
  dispose() {
    this.kill();
    rmSync(this.state, { recursive: true, force: true });
  }

  /** Resident memory of its processes (wrangler and workerd), in MiB. */
  memoryMiB() {
    let kib = 0;
    for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        const group = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[2];
        if (Number(group) !== this.child.pid) continue;
        kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      } catch {}
    }
    return Math.round(kib / 1024);
  }

  /** Calls the API; answers the response, or null when no answer came (the server is down). */
  api(path, init = {}) {
    return fetch(`${this.base}${path}`, { ...init, headers: { ...this.headers, ...(init.headers ?? {}) } }).catch(() => null);
  }

  /** Calls the API and reads its JSON answer; null when no whole answer came (the server went down mid-way). */
  async json(path, init = {}) {
    const response = await this.api(path, init);
    return response ? response.json().catch(() => null) : null;
  }

  /** Every run of `workflow` from the list, by id (a page of 100 at a time). */
  async listed(workflow) {
    const found = new Map();
    let cursor = null;
    do {
      const response = await this.api(`/api/runs?workflow=${workflow}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (!response?.ok) throw new Error(`list answered ${response?.status ?? "nothing"}`);
      const page = await response.json();
      for (const run of page.runs) found.set(run.id, run);
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  }
}

/** True for a run status it never leaves. */
export const ended = (status) => ["completed", "failed", "cancelled"].includes(status);
