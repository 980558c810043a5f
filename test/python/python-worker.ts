// A Python worker process for the end-to-end tests, installed as the README says: the
// wheel `npm run pack` builds, pip-installed offline into a fresh venv, and its
// `baton-worker` console script started on a folder of workflows.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Builds the wheel and installs it into a new venv; answers the venv's bin folder. */
export function installWheel(): string {
  const out = mkdtempSync(join(tmpdir(), "baton-wheel-"));
  execFileSync("python3", [join(root, "python/build_wheel.py"), "--out", out], { stdio: "pipe" });
  const wheel = readdirSync(out).find((name) => name.endsWith(".whl"));
  if (!wheel) throw new Error(`no wheel in ${out}`);
  const venv = join(out, "venv");
  execFileSync("python3", ["-m", "venv", venv], { stdio: "pipe" });
  execFileSync(join(venv, "bin/pip"), ["install", "--no-index", "--quiet", join(out, wheel)], { stdio: "pipe" });
  return join(venv, "bin");
}

/** A running baton-worker. */
export interface PythonWorker {
  /** What it printed so far. */
  log(): string;
  /** Kills it as a crash would (SIGKILL). */
  kill(): Promise<void>;
  /** Stops it with SIGTERM; answers its exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts `baton-worker <folder> --url … --token …` from the venv. */
export function startWorker(bin: string, folder: string, url: string, token: string, extra: string[] = []): PythonWorker {
  const child: ChildProcess = spawn(join(bin, "baton-worker"), [folder, "--url", url, "--token", token, ...extra], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    log: () => log,
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
    exited,
  };
}
