#!/usr/bin/env node
// The `baton` command. `build`, `init` and `doctor` work on the project's files
// (bin/build.mjs, bin/config.mjs); `worker` runs tasks and scripts for a deployment
// (bin/worker.mjs, Node-only); every other command talks to a deployment's API
// (cli/, web-standard, on BatonClient). Inside the repository it runs the TypeScript
// source (Node ≥ 22.18 strips the types), so a stale dist/ from an earlier `npm pack` is
// never used; the published package ships no sources and runs the built dist/.
import { readFileSync } from "node:fs";

const missing = (error) => error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "ERR_UNKNOWN_FILE_EXTENSION";

/** The source module in the repository, else its built twin in the package. */
async function load(source, built) {
  try {
    return await import(source);
  } catch (error) {
    if (!missing(error)) throw error;
    try {
      return await import(built);
    } catch (again) {
      if (!missing(again)) throw again;
      process.stderr.write(`baton: this Node (${process.version}) cannot run the command from source and no build is here; run it with npx (the project's Node) or Node 22.18 or later\n`);
      process.exit(1);
    }
  }
}

const io = {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
const [command, ...rest] = process.argv.slice(2);
const option = (name) => {
  const at = rest.indexOf(`--${name}`);
  return at === -1 ? undefined : rest[at + 1];
};

if (command === "build") {
  const { buildRegistry } = await import("./build.mjs");
  const out = option("out") ?? "src/generated/workflows.ts";
  try {
    const count = buildRegistry(option("workflows") ?? "workflows", out, rest.includes("--strict") ? { strict: true } : undefined);
    io.out(`baton build: ${count} files of ${option("workflows") ?? "workflows"}/ written to ${out}`);
  } catch (error) {
    io.err(`baton: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
} else if (command === "init" || command === "doctor") {
  const config = await import("./config.mjs");
  const { HOST_CONFIG } = await load("../../src/host-config.ts", "../dist/src/host-config.js");
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const file = config.findConfig(process.cwd(), option("config"));
  if (!file) {
    io.err("baton: no wrangler.json, wrangler.jsonc or wrangler.toml here; run it in your Worker's folder, or name the file with --config");
    process.exit(2);
  }
  try {
    process.exitCode = config[command](file, HOST_CONFIG, version, io);
  } catch (error) {
    io.err(`baton ${command}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
} else if (command === "worker") {
  const usage = "usage: baton worker [FOLDER] --url URL --token TOKEN [--queue node] [--concurrency 4]   (or BATON_URL, BATON_WORKER_TOKEN, BATON_QUEUE)";
  if (rest.includes("--help")) {
    io.out(usage);
    process.exit(0);
  }
  const folder = rest.find((arg, i) => !arg.startsWith("--") && (i === 0 || !rest[i - 1].startsWith("--"))) ?? "workflows";
  const url = option("url") ?? process.env.BATON_URL;
  const token = option("token") ?? process.env.BATON_WORKER_TOKEN;
  const queue = option("queue") ?? process.env.BATON_QUEUE ?? "node";
  const concurrency = Number(option("concurrency") ?? 4);
  const problem = !url
    ? "no Worker URL: pass --url or set BATON_URL"
    : !token
      ? "no worker token: pass --token or set BATON_WORKER_TOKEN to the Worker's BATON_WORKER_TOKEN secret"
      : !/^[a-z0-9][a-z0-9-]{0,62}$/.test(queue)
        ? `--queue ${JSON.stringify(queue)} must be lowercase letters, digits and dashes`
        : !Number.isInteger(concurrency) || concurrency < 1
          ? "--concurrency must be a whole number of at least 1"
          : null;
  if (problem) {
    io.err(`baton worker: ${problem}`);
    io.err(usage);
    process.exit(2);
  }
  const { runWorker } = await import("./worker.mjs");
  const engine = await load("../core/index.ts", "../dist/sdk/core/index.js");
  const api = await load("../index.ts", "../dist/sdk/index.js");
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.exitCode = await runWorker({ url, token, queue, concurrency, folder, sdk: `baton-workflows ${version}` }, engine, api, io);
} else {
  const cli = await load("../cli/index.ts", "../dist/sdk/cli/index.js");
  process.exitCode = await cli.main(process.argv.slice(2), io);
}
