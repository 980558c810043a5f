#!/usr/bin/env node
// `npm create baton my-app`: writes a new Worker project hosting Baton, from template/:
// package.json on the engine package (baton-workflows, or --baton <npm spec | tarball>),
// a wrangler config with everything Baton needs, src/index.ts, workflows/hello.ts, tests
// through runLocally and in workerd, and a README. Then: cd my-app && npm install && npm run dev.

import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { version } = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};
const positional = args.filter((arg, i) => !arg.startsWith("--") && !args[i - 1]?.startsWith("--"));
const target = positional[0];

if (!target || args.includes("--help")) {
  process.stdout.write(`usage: npm create baton <folder> [-- --baton <npm spec or tarball>] [--name <worker name>]\n`);
  process.exit(target ? 0 : 2);
}
const dir = resolve(target);
if (existsSync(dir) && readdirSync(dir).length > 0) {
  process.stderr.write(`create-baton: ${dir} is not empty; choose a new folder\n`);
  process.exit(1);
}
const name = option("name") ?? (basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "baton-app");
// A tarball path is kept as an absolute file: spec, so npm install finds it from the new folder.
const spec = option("baton");
const engine = spec === undefined ? `^${version}` : /\.tgz$/.test(spec) ? `file:${resolve(spec)}` : spec;

cpSync(join(here, "template"), dir, { recursive: true });
// npm drops .gitignore from tarballs: the template carries it as "gitignore".
renameSync(join(dir, "gitignore"), join(dir, ".gitignore"));
for (const file of ["package.json", "wrangler.jsonc", "README.md"]) {
  const path = join(dir, file);
  writeFileSync(path, readFileSync(path, "utf8").replaceAll("{{name}}", name).replaceAll('"{{engine}}"', JSON.stringify(engine)));
}
process.stdout.write(`Created ${name} in ${dir}\n\nNext:\n  cd ${target}\n  npm install\n  npm run dev        # the console and API on http://localhost:8787\n  npm test\n`);
