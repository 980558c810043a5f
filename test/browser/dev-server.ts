// Starts the Worker under `wrangler dev` for the browser tests, the schedule tests (its
// /__scheduled route fires the cron trigger) and the README's screenshots:
// test/browser/worker.ts with the workflows in test/browser/workflows/, fresh state in a
// temporary folder, on a free port.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRegistry } from "../../scripts/build-registry.mjs";
import { writeDevWranglerConfig } from "../../scripts/test-wrangler-config.mjs";
import { afterAll, beforeAll, expect } from "vitest";
import { BatonClient, type RunDetail } from "../../sdk/client/index.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The API token the dev server is started with. */
export const TOKEN = "browser-test-token";

/** Which Worker a dev server runs: its workflows folder and entry module (both from the project root); default the browser tests'. */
export interface DevWorker {
  /** Names the generated registry and config: test/generated/<name>-workflows.ts. */
  name: string;
  workflows: string;
  /** The entry module, relative to test/generated/. */
  main: string;
}

const BROWSER: DevWorker = { name: "browser", workflows: "test/browser/workflows", main: "../browser/worker.ts" };

/** Writes the registry and the wrangler config of a dev Worker; answers the config's path. */
export function writeBrowserWorker(worker: DevWorker = BROWSER): string {
  buildRegistry(join(root, worker.workflows), join(root, `test/generated/${worker.name}-workflows.ts`));
  return writeDevWranglerConfig(`test/generated/${worker.name}.wrangler.toml`, worker.main);
}

/** A running `wrangler dev`. */
export interface DevServer {
  url: string;
  /** What wrangler printed so far. */
  log(): string;
  /** Kills wrangler as a crash would (SIGKILL of its process group), keeping its state. */
  kill(): Promise<void>;
  /** Starts it again on the same port and state, after kill(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of startDevServer: which Worker, and variables beyond the API token and signing key. */
export interface DevServerOptions {
  worker?: DevWorker;
  vars?: Record<string, string>;
}

/** Starts `wrangler dev`; answers its URL and a stop function. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const config = writeBrowserWorker(options.worker);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const state = mkdtempSync(join(tmpdir(), "baton-browser-"));
  const vars = Object.entries({ BATON_API_TOKEN: TOKEN, BATON_SIGNING_KEY: "browser-test-signing-key", ...options.vars }).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  let log = "";
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn(
      join(root, "node_modules/.bin/wrangler"),
      ["dev", "-c", config, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--log-level", "error", "--test-scheduled", ...vars],
      // Its own process group, so a kill reaches workerd too.
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` } },
    );
    child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const deadline = Date.now() + 90_000;
    for (;;) {
      const up = await fetch(`${url}/api/workflows`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline || child.exitCode !== null) {
        signal(child, "SIGKILL");
        throw new Error(`wrangler dev did not start:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  await launch();
  return {
    url,
    log: () => log,
    kill: async () => {
      signal(child, "SIGKILL");
      await exited;
    },
    restart: launch,
    stop: async () => {
      signal(child, "SIGTERM");
      await exited;
      rmSync(state, { recursive: true, force: true });
    },
  };
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, name);
  } catch {
    child.kill(name);
  }
}

/** Debian's chromium, or CHROMIUM_PATH. */
export function chromiumPath(): string {
  for (const candidate of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  throw new Error("no Chromium found: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A test file's dev server and a client of it, live between the file's beforeAll and afterAll. */
export interface DevServerForFile {
  readonly server: DevServer;
  readonly client: BatonClient;
}

/** Starts one dev server (and a BatonClient with the test token) before a file's tests and stops it after them. */
export function useDevServer(options: DevServerOptions = {}): DevServerForFile {
  let server: DevServer | undefined;
  let client: BatonClient | undefined;
  beforeAll(async () => {
    server = await startDevServer(options);
    client = new BatonClient({ baseUrl: server.url, token: TOKEN });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the dev server is started in beforeAll: use it inside a test");
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get client() {
      return started(client);
    },
  };
}

/** Polls run `id` through `client` until it waits (for an event, an approval or a child); it may only be queued or running before. */
export async function untilWaiting(client: BatonClient, id: string): Promise<RunDetail> {
  for (;;) {
    const run = await client.get(id);
    if (run.status === "waiting") return run;
    expect(["queued", "running"]).toContain(run.status);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
