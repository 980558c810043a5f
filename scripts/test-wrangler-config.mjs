// Writes test/generated/wrangler.toml: wrangler.toml as the tests need it. The vitest
// plugin adds no_handle_cross_request_promise_resolution itself and refuses the flag
// twice, and the copy lives two folders down, so `main` is rebased.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Writes the test copy of wrangler.toml and returns its path, relative to the project. */
export function writeTestWranglerConfig() {
  const out = "test/generated/wrangler.toml";
  const text = readFileSync(join(root, "wrangler.toml"), "utf8")
    .replace(', "no_handle_cross_request_promise_resolution"', "")
    .replace('main = "src/index.ts"', 'main = "../../src/index.ts"')
    .replaceAll('= "./sdk/', '= "../../sdk/');
  mkdirSync(join(root, dirname(out)), { recursive: true });
  writeFileSync(join(root, out), text);
  return out;
}
