// `npm run pack`: the release files, in packs/: the engine (baton-workflows, built by
// its prepack), the project template (create-baton) and the Python SDK's wheel
// (baton_workflows-*.whl, built by python/build_wheel.py). Answers their paths as JSON.
// Usage: node scripts/pack.mjs [outDir]

import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Packs both packages into `out`; answers each tarball's path and its file list. */
export function pack(out = join(root, "packs")) {
  mkdirSync(out, { recursive: true });
  const packed = {};
  for (const [name, dir] of [["engine", "sdk"], ["create", "create-baton"]]) {
    const [info] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: join(root, dir), encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
    packed[name] = { tarball: join(out, info.filename), files: info.files.map((file) => file.path) };
  }
  execFileSync("python3", [join(root, "python/build_wheel.py"), "--out", out], { stdio: ["ignore", "ignore", "inherit"] });
  packed.wheel = join(out, readdirSync(out).find((file) => /^baton_workflows-.*\.whl$/.test(file)));
  return packed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const packed = pack(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(JSON.stringify({ engine: packed.engine.tarball, create: packed.create.tarball, wheel: packed.wheel }, null, 2));
}
