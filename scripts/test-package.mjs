// Packs sdk/ with `npm pack` (its prepack builds JavaScript and type declarations),
// installs the tarball into an empty folder with npm, and checks that `baton`,
// `baton/testing` and `baton/client` import and run a workflow under plain Node and
// Deno, that a Worker importing the package bundles with wrangler, and that the
// `baton` command it installs runs.
// Usage: node scripts/test-package.mjs

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });

const work = mkdtempSync(join(tmpdir(), "baton-package-"));
try {
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], join(root, "sdk")));
  const tarball = join(work, packed[0].filename);
  const files = packed[0].files.map((file) => file.path);
  if (files.some((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))) throw new Error(`the tarball ships TypeScript sources: ${files.join(", ")}`);

  const app = join(work, "app");
  run("mkdir", ["-p", app], work);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], app);
  copyFileSync(join(root, "test/package/smoke.mjs"), join(app, "smoke.mjs"));
  copyFileSync(join(root, "test/package/worker.mjs"), join(app, "worker.mjs"));

  const expected = JSON.stringify({ status: "completed", output: { doubled: [2, 4], refused: true, cause: "because" }, updatedAt: "1970-01-02T00:00:00.000Z", workflows: [] });
  const node = run(process.execPath, ["smoke.mjs"], app).trim();
  if (node !== expected) throw new Error(`under Node: ${node}\nexpected: ${expected}`);
  const deno = run("deno", ["run", "--quiet", "--allow-read", "--allow-env", "smoke.mjs"], app).trim();
  if (deno !== expected) throw new Error(`under Deno: ${deno}\nexpected: ${expected}`);

  writeFileSync(join(app, "wrangler.toml"), 'name = "package-check"\nmain = "worker.mjs"\ncompatibility_date = "2026-11-01"\ncompatibility_flags = ["nodejs_compat"]\n');
  run("wrangler", ["deploy", "--dry-run", "--outdir", "dist"], app);

  // The installed `baton` command runs from the built JavaScript and says how it is used.
  const usage = run(join(app, "node_modules", ".bin", "baton"), ["--help"], app);
  if (!usage.startsWith("usage: baton <command>")) throw new Error(`baton --help printed: ${usage}`);
  console.log(`baton package: ${packed[0].filename}, ${files.length} files; runs under Node and Deno; bundles into a Worker; the baton command runs`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
