// Copies of wrangler.toml for other entry modules. test/generated/wrangler.toml is the
// one the workerd tests run on: the vitest plugin adds
// no_handle_cross_request_promise_resolution itself and refuses the flag twice, and the
// copy lives two folders down, so `main` is rebased. `wrangler dev` copies (the browser
// tests', the soak's) swap the entry module and drop the [build] step.

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

/** Writes the test copy without the BATON_PAYLOADS bucket (a Worker with no R2: values stay within 1 MiB); returns its path. */
export function writeTestWranglerConfigWithoutPayloads() {
  const out = "test/generated/wrangler-no-payloads.toml";
  const text = readFileSync(join(root, writeTestWranglerConfig()), "utf8").replace(/\[\[r2_buckets\]\]\nbinding = "BATON_PAYLOADS"\n[^\n]*\n/, "");
  if (text.includes("BATON_PAYLOADS")) throw new Error("wrangler.toml's BATON_PAYLOADS block changed shape: update writeTestWranglerConfigWithoutPayloads");
  writeFileSync(join(root, out), text);
  return out;
}

/**
 * Writes a copy of wrangler.toml for a `wrangler dev` of another entry module (the
 * browser tests', the soak's): `main` as seen from `out` (both relative to the
 * project), sdk aliases rebased, and no [build] step (the caller writes its own
 * registry; wrangler's would write the production one). Returns the config's path.
 */
export function writeDevWranglerConfig(out, main) {
  const text = readFileSync(join(root, "wrangler.toml"), "utf8")
    .replace('main = "src/index.ts"', `main = "${main}"`)
    .replaceAll('= "./sdk/', '= "../../sdk/')
    .replace(/\[build\][^[]*/, "");
  const config = join(root, out);
  mkdirSync(dirname(config), { recursive: true });
  writeFileSync(config, text);
  return config;
}
