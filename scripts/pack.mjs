// `npm run pack`: the release tarballs, in packs/: the engine (baton-workflows, built by
// its prepack) and the project template (create-baton). Answers their paths as JSON.
// Usage: node scripts/pack.mjs [outDir]

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
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
  return packed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const packed = pack(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(JSON.stringify({ engine: packed.engine.tarball, create: packed.create.tarball }, null, 2));
}
