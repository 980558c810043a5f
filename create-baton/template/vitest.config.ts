// Two kinds of test: *.local.test.ts run workflows in memory with runLocally (Node);
// *.worker.test.ts run them in the real engine inside workerd, on this project's
// wrangler config (real Durable Objects, SQLite, alarms, queues).
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// The plugin sets no_handle_cross_request_promise_resolution itself and refuses the flag
// twice: the workerd tests run on a copy of wrangler.jsonc without it (main rebased).
mkdirSync(".wrangler", { recursive: true });
writeFileSync(
  ".wrangler/vitest.wrangler.jsonc",
  readFileSync("wrangler.jsonc", "utf8")
    .replace(/,\s*"no_handle_cross_request_promise_resolution"/, "")
    .replace('"main": "src/index.ts"', '"main": "../src/index.ts"'),
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
