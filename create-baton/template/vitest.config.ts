// Two kinds of vitest test: *.local.test.ts run workflows in memory with runLocally (Node);
// *.worker.test.ts run them in the real engine inside workerd, on this project's
// wrangler config (real Durable Objects, SQLite, alarms, queues) with test/worker.ts as
// the Worker: src/index.ts with the run objects that take batonTest's controls.
// (*.node.test.ts are Node's and Deno's own test runners' files: `npm test` runs them with node --test.)
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { buildRegistry } from "baton-workflows/build";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// The map of workflows/ the Worker imports, as `npx baton build` writes it: any vitest run is current.
buildRegistry();
// The plugin sets no_handle_cross_request_promise_resolution itself and refuses the flag
// twice: the workerd tests run on a copy of wrangler.jsonc without it, main the test Worker.
mkdirSync(".wrangler", { recursive: true });
writeFileSync(
  ".wrangler/vitest.wrangler.jsonc",
  readFileSync("wrangler.jsonc", "utf8")
    .replace(/,\s*"no_handle_cross_request_promise_resolution"/, "")
    .replace('"main": "src/index.ts"', '"main": "../test/worker.ts"'),
);

export default defineConfig({
  test: {
    projects: [
      { test: { name: "local", include: ["test/**/*.local.test.ts"], environment: "node" } },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./.wrangler/vitest.wrangler.jsonc" },
            miniflare: { bindings: { BATON_API_TOKEN: "test-token", BATON_SIGNING_KEY: "test-signing-key" } },
          }),
        ],
        test: { name: "worker", include: ["test/**/*.worker.test.ts"], testTimeout: 20_000 },
      },
    ],
  },
});
