// The registries of this repository: its Worker's (workflows/), the tests', the
// benchmark's, the browser tests' and the soak's, each written by the package's own
// `baton build` (sdk/bin/build.mjs). Run by wrangler's [build] command, the vitest
// config and `npm run typecheck`.
// Usage: node scripts/build-registry.mjs [sourceDir outFile | --all]

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRegistry as build, listWorkflowFiles } from "../sdk/bin/build.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export { listWorkflowFiles };

/** Writes the registry of `sourceDir` (default: this repository's workflows/) to `outFile`; answers how many files it found. `options.strict` throws for a file that does not build. */
export function buildRegistry(sourceDir = join(root, "workflows"), outFile = join(root, "src/generated/workflows.ts"), options) {
  return build(sourceDir, outFile, options);
}

/** Every registry the project has: the Worker's, the tests' and the benchmark's. */
export function buildAllRegistries() {
  buildRegistry();
  buildRegistry(join(root, "test/workflows"), join(root, "test/generated/workflows.ts"));
  buildRegistry(join(root, "bench/workflows"), join(root, "bench/generated/workflows.ts"));
  buildRegistry(join(root, "test/browser/workflows"), join(root, "test/generated/browser-workflows.ts"));
  buildRegistry(join(root, "test/python/workflows"), join(root, "test/generated/python-workflows.ts"));
  buildRegistry(join(root, "bench/soak/workflows"), join(root, "bench/generated/soak-workflows.ts"));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [sourceDir, outFile] = process.argv.slice(2);
  try {
    if (sourceDir === "--all") buildAllRegistries();
    else buildRegistry(sourceDir && join(process.cwd(), sourceDir), outFile && join(process.cwd(), outFile));
  } catch (error) {
    console.error(`baton: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
