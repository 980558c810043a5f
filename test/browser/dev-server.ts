// Starts the Worker under `wrangler dev` for the browser tests, the schedule tests (its
// /__scheduled route fires the cron trigger) and the README's screenshots:
// test/browser/worker.ts with the workflows in test/browser/workflows/, fresh state in a
// temporary folder, on a free port.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRegistry } from "../../scripts/build-registry.mjs";
import { writeDevWranglerConfig } from "../../scripts/test-wrangler-config.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The API token the dev server is started with. */
export const TOKEN = "browser-test-token";

/** Writes the registry and the wrangler config of the browser tests' Worker; answers the config's path. */
export function writeBrowserWorker(): string {
  buildRegistry(join(root, "test/browser/workflows"), join(root, "test/generated/browser-workflows.ts"));
  return writeDevWranglerConfig("test/generated/browser.wrangler.toml", "../browser/worker.ts");
}

/** A running `wrangler dev`. */
export interface DevServer {
  url: string;
  /** What wrangler printed so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `wrangler dev`; answers its URL and a stop function. */
export async function startDevServer(): Promise<DevServer> {
  const config = writeBrowserWorker();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const state = mkdtempSync(join(tmpdir(), "baton-browser-"));
  const child = spawn(
    join(root, "node_modules/.bin/wrangler"),
    ["dev", "-c", config, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--log-level", "error", "--test-scheduled",
      "--var", `BATON_API_TOKEN:${TOKEN}`, "--var", "BATON_SIGNING_KEY:browser-test-signing-key"],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` } },
  );
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const up = await fetch(`${url}/api/workflows`, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`wrangler dev did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    log: () => log,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      rmSync(state, { recursive: true, force: true });
    },
  };
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
