// `npm run test:package`: the release as a user meets it. Packs the tarballs into packs/
// (the engine, baton-workflows, and create-baton) and, in empty temporary folders with
// only those tarballs (and wrangler, from the registry) installed:
//   1. the author API, runLocally and the client import and run under plain Node and Deno;
//   2. a hand-written Worker with its own routes (examples/host), configured by
//      `npx baton init`, mounts Baton under /baton, starts a run from its own handler with
//      baton.start and another from a second Worker over a service binding to
//      BatonService, and both run through the queue to completion; the console and API
//      answer under /baton (approval links too) while the host's own / keeps its answer;
//   3. `create-baton` makes a project whose `npm test` passes and whose `npm run dev`
//      runs `hello` to completion.
// Usage: node scripts/test-package.mjs

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pack } from "./pack.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TOKEN = "package-test-token";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Runs a command in `cwd` with the project's own Node and tools first on the PATH. */
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH: `${join(cwd, "node_modules/.bin")}:${join(root, "node_modules/.bin")}:${process.env.PATH}` } });
const install = (cwd, specs) => run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...specs], cwd);
const check = (ok, message) => {
  if (!ok) throw new Error(message);
};

const work = mkdtempSync(join(tmpdir(), "baton-package-"));
const servers = [];
process.on("exit", () => servers.forEach((server) => server.kill()));
try {
  const packed = pack();
  const engine = packed.engine.tarball;
  const files = packed.engine.files;
  check(!files.some((file) => /\.tsx?$/.test(file) && !file.endsWith(".d.ts")), `the tarball ships TypeScript sources: ${files.filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".d.ts")).join(", ")}`);
  for (const needed of ["dist/src/worker.js", "dist/src/worker.d.ts", "dist/sdk/index.js", "LICENSE", "CHANGELOG.md", "bin/baton.js"]) check(files.includes(needed), `the tarball lacks ${needed}`);
  check(!files.some((file) => /legacy|generated/.test(file)), `the tarball ships test fixtures or generated files: ${files.filter((f) => /legacy|generated/.test(f)).join(", ")}`);

  // 1. The author API, runLocally and the client under Node and Deno.
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  install(app, [engine]);
  copyFileSync(join(root, "test/package/smoke.mjs"), join(app, "smoke.mjs"));
  const expected = JSON.stringify({ status: "completed", output: { doubled: [2, 4], refused: true, cause: "because" }, updatedAt: "1970-01-02T00:00:00.000Z", workflows: [] });
  const node = run(process.execPath, ["smoke.mjs"], app).trim();
  check(node === expected, `under Node: ${node}\nexpected: ${expected}`);
  const deno = run("deno", ["run", "--quiet", "--allow-read", "--allow-env", "smoke.mjs"], app).trim();
  check(deno === expected, `under Deno: ${deno}\nexpected: ${expected}`);
  const usage = run(join(app, "node_modules/.bin/baton"), ["--help"], app);
  check(usage.startsWith("usage: baton <command>"), `baton --help printed: ${usage}`);

  // 2. A hand-written Worker of one's own, configured by `baton init`, with a second Worker calling it.
  const host = join(work, "host");
  cpSync(join(root, "examples/host"), host, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(host, "package.json"), "utf8"));
  manifest.dependencies["baton-workflows"] = `file:${engine}`;
  writeFileSync(join(host, "package.json"), JSON.stringify(manifest, null, 2));
  install(host, []);
  const initialized = run(join(host, "node_modules/.bin/baton"), ["init"], host);
  check(/added to wrangler\.toml/.test(initialized), `baton init printed: ${initialized}`);
  check(/already has everything/.test(run(join(host, "node_modules/.bin/baton"), ["init"], host)), "a second baton init changed the config again");
  run(join(host, "node_modules/.bin/baton"), ["doctor"], host);
  writeFileSync(join(host, ".dev.vars"), `BATON_API_TOKEN=${TOKEN}\nBATON_SIGNING_KEY=package-test-signing-key\n`);
  const hostUrl = await devServer(host, ["-c", "caller/wrangler.toml", "-c", "wrangler.toml"], "/");
  const home = await fetch(`${hostUrl}/`);
  check(home.status === 200 && (await home.text()).includes("host's own home page"), "the host's own / lost its answer");
  const signup = await (await fetch(`${hostUrl}/signup`, { method: "POST", body: JSON.stringify({ name: "Ada" }) })).json();
  await until(async () => (await (await fetch(`${hostUrl}/signup/${signup.id}`)).json()).greeting === "hello, Ada", "the run the host started from its handler did not complete");
  const viaApi = await (await fetch(`${hostUrl}/baton/api/runs/${signup.id}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  check(viaApi.status === "completed" && viaApi.workflow === "greet", `GET /baton/api/runs/:id answered ${JSON.stringify(viaApi)}`);
  check((await fetch(`${hostUrl}/api/runs/${signup.id}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status === 404, "Baton answered outside its base path");
  const consolePage = await fetch(`${hostUrl}/baton/`);
  check(consolePage.status === 200 && (await consolePage.text()).includes('action="/baton/sign-in"'), "the console does not answer under /baton with its own links");
  // An approval's links live under the base path too, and decide the run.
  const api = (path, init = {}) => fetch(`${hostUrl}/baton/api${path}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" } });
  const signoff = await (await api("/runs", { method: "POST", body: JSON.stringify({ workflow: "signoff", input: { release: "v2" } }) })).json();
  let waiting;
  await until(async () => (waiting = await (await api(`/runs/${signoff.id}`)).json()).status === "waiting", "the sign-off did not wait for its approval");
  const approveUrl = waiting.approvals[0]?.approveUrl ?? "";
  check(approveUrl.startsWith(`${hostUrl}/baton/approvals/`), `the approval link is not under /baton: ${approveUrl}`);
  const approved = await fetch(approveUrl, { method: "POST", body: new URLSearchParams(), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: hostUrl } });
  check(approved.status === 200, `the approval link answered ${approved.status}`);
  await until(async () => (await (await api(`/runs/${signoff.id}`)).json()).output?.approved === true, "the approved sign-off did not complete");
  const called = await (await fetch(`${hostUrl}/caller/start`, { method: "POST", body: JSON.stringify({ name: "Bo" }) })).json();
  await until(async () => (await (await fetch(`${hostUrl}/caller/runs/${called.id}`)).json()).greeting === "hello, Bo", "the run started over the service binding did not complete");
  check((await fetch(`${hostUrl}/caller/runs/no-such-run`)).status === 404, "a missing run over the binding is not run_not_found");
  stopServers();

  // 3. create-baton's project: npm install, npm test, npm run dev running hello.
  run("npx", ["--yes", "--package", packed.create.tarball, "create-baton", "my-app", "--baton", engine], work);
  const created = join(work, "my-app");
  install(created, []);
  run("npm", ["test"], created);
  // The README's testing recipes, exactly as written: its test files are the template's, and its commands pass here.
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const testing = readme.slice(readme.indexOf("## Testing your workflows"), readme.indexOf("\n## ", readme.indexOf("## Testing your workflows") + 3));
  const shown = [...testing.matchAll(/```ts\n(\/\/ (test\/[\w./-]+) [^]*?)```/g)];
  check(shown.length >= 4, "the README's testing section shows fewer than four test files");
  for (const [, text, file] of shown) check(readFileSync(join(created, file), "utf8") === text, `the README shows ${file} other than the template ships it`);
  const commands = /```sh\n([^]*?)```/.exec(testing)?.[1].split("\n").map((line) => line.replace(/\s+#.*$/, "").trim()).filter(Boolean) ?? [];
  check(commands.length >= 4, "the README's testing section names fewer than four commands");
  for (const command of commands) {
    const [bin, ...args] = command.split(/\s+/);
    try {
      run(bin, args, created);
    } catch (error) {
      throw new Error(`the README's \`${command}\` failed in a create-baton project:\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    }
  }
  // A task that throws: its stack, read back from the dev server, names the workflow's own line.
  writeFileSync(join(created, "workflows/throws.ts"), 'import { task, workflow } from "baton-workflows";\n\nexport default workflow(async () =>\n  task("boom", async () => {\n    throw new Error("boom");\n  }, { retries: { limit: 0 } }),\n);\n');
  // A workflow file with a syntax error: dev answers for it at once and runs the rest; deploy refuses it.
  writeFileSync(join(created, "workflows/broken.ts"), 'import { workflow } from "baton-workflows";\n\nexport default workflow(async () => {\n  const x = ;\n});\n');
  const refusedDeploy = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", join(created, ".dry")], { cwd: created, encoding: "utf8" });
  check(refusedDeploy.status !== 0 && /workflows\/broken\.ts:4:13/.test(refusedDeploy.stdout + refusedDeploy.stderr), `wrangler deploy did not refuse the broken workflow, naming it:\n${refusedDeploy.stdout}${refusedDeploy.stderr}`);
  const appUrl = await devServer(created, [], "/api/workflows", ["--var", `BATON_API_TOKEN:${TOKEN}`, "--var", "BATON_SIGNING_KEY:package-test-signing-key"]);
  const headers = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
  const hello = await (await fetch(`${appUrl}/api/runs`, { method: "POST", headers, body: JSON.stringify({ workflow: "hello", input: { name: "Cy" } }) })).json();
  await until(async () => (await (await fetch(`${appUrl}/api/runs/${hello.id}`, { headers })).json()).status === "completed", "hello did not complete under npm run dev's wrangler dev");
  const thrown = await (await fetch(`${appUrl}/api/runs`, { method: "POST", headers, body: JSON.stringify({ workflow: "throws" }) })).json();
  await until(async () => (await (await fetch(`${appUrl}/api/runs/${thrown.id}`, { headers })).json()).status === "failed", "the throwing workflow did not fail under wrangler dev");
  const step = await (await fetch(`${appUrl}/api/runs/${thrown.id}/steps/${encodeURIComponent("boom#0")}`, { headers })).json();
  check(/\(workflows\/throws\.ts:5:11\)/.test(step.error?.stack ?? ""), `the step's stack does not name workflows/throws.ts:5:11 under wrangler dev:\n${step.error?.stack}`);
  const broken = await fetch(`${appUrl}/api/runs`, { method: "POST", headers, body: JSON.stringify({ workflow: "broken", input: {} }), signal: AbortSignal.timeout(5000) });
  const brokenBody = await broken.json();
  check(broken.status === 503 && brokenBody.error?.code === "workflow_build_failed" && brokenBody.error.build?.file === "workflows/broken.ts" && brokenBody.error.build.line === 4, `a broken workflow under dev did not answer 503 naming its file and line: ${broken.status} ${JSON.stringify(brokenBody)}`);
  stopServers();
  console.log(`baton-workflows: ${files.length} files; runs under Node and Deno; a hand-written Worker hosts it under /baton (baton init, baton.start, a service binding); create-baton's project passes the README's testing commands and runs hello, answers 503 for a broken file and deploy refuses it, and a task's stack names its workflows/ line`);
} finally {
  stopServers();
  rmSync(work, { recursive: true, force: true });
}

/** Starts `wrangler dev` in `dir` (its own process group) and waits until `ready` answers; answers its URL. */
async function devServer(dir, configs, ready, extra = []) {
  const port = await freePort();
  const child = spawn(join(dir, "node_modules/.bin/wrangler"), ["dev", ...configs, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", join(dir, ".state"), "--log-level", "error", ...extra], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PATH: `${join(dir, "node_modules/.bin")}:${process.env.PATH}` },
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  servers.push({ kill: () => { try { process.kill(-child.pid, "SIGKILL"); } catch {} } });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!(await fetch(`${url}${ready}`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(2000) }).then((r) => r.status < 500, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`wrangler dev in ${dir} did not start:\n${log}`);
    await sleep(200);
  }
  return url;
}

function stopServers() {
  for (const server of servers.splice(0)) server.kill();
}

/** Polls `done` until it holds, failing with `message` after 30 s. */
async function until(done, message) {
  const deadline = Date.now() + 30_000;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(200);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}
