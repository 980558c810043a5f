// Two projects: pure tests of sdk/ and src/core/ in Node, and the Worker's tests in
// workerd through @cloudflare/vitest-plugin (real Durable Objects, SQLite, alarms, queues).

import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";
import { buildAllRegistries } from "./scripts/build-registry.mjs";
import { writeTestWranglerConfig, writeTestWranglerConfigWithoutPayloads } from "./scripts/test-wrangler-config.mjs";

// The registries are generated here too, so a new workflow file needs no other step.
buildAllRegistries();

const TEST_WRANGLER_CONFIG = writeTestWranglerConfig();
/** The same Worker without the BATON_PAYLOADS R2 bucket (the wrangler config's r2_buckets give the others a local one). */
const NO_PAYLOADS_WRANGLER_CONFIG = writeTestWranglerConfigWithoutPayloads();

/**
 * `baton-workflows` (and `baton`, the name earlier releases' workflows import) resolves to the package's source in sdk/ (its exports point at the built
 * dist/, which only `npm pack` makes), exactly the specifiers the package exports.
 */
const batonFromSource = [
  { find: /^baton(-workflows)?$/, replacement: fileURLToPath(new URL("./sdk/index.ts", import.meta.url)) },
  { find: /^baton(-workflows)?\/engine$/, replacement: fileURLToPath(new URL("./sdk/core/index.ts", import.meta.url)) },
  { find: /^baton(-workflows)?\/testing$/, replacement: fileURLToPath(new URL("./sdk/testing/index.ts", import.meta.url)) },
  { find: /^baton(-workflows)?\/client$/, replacement: fileURLToPath(new URL("./sdk/client/index.ts", import.meta.url)) },
  { find: /^baton-workflows\/worker$/, replacement: fileURLToPath(new URL("./src/worker.ts", import.meta.url)) },
  { find: /^baton-workflows\/worker\/testing$/, replacement: fileURLToPath(new URL("./src/testing/index.ts", import.meta.url)) },
];

/** The API token the tests send. */
export const TEST_TOKEN = "test-token";

/** The Worker's Miniflare settings in the tests; `outbound` answers the fetches workflows make. */
function workerOptions(bindings: Record<string, string>, outbound: (request: Request) => Response | Promise<Response>, configPath = TEST_WRANGLER_CONFIG) {
  return {
    main: "./test/worker.ts",
    wrangler: { configPath },
    miniflare: {
      bindings: { BATON_API_TOKEN: TEST_TOKEN, BATON_SIGNING_KEY: "test-signing-key", BATON_WORKER_TOKEN: "test-worker-token", ...bindings },
      durableObjects: { PROBE: { className: "Probe", useSQLite: true } },
      // A worker tag for the tests: "heavy" tasks go to their own queue (consumed here too).
      queueProducers: { TASKS_HEAVY: { queueName: "baton-tasks-heavy" } },
      queueConsumers: { "baton-tasks-heavy": { maxBatchTimeout: 0 } },
      outboundService: outbound,
    },
  };
}

/** No internet here: outbound fetches from workflows are answered by this stand-in, which echoes the URL it was asked for. */
const echo = (request: Request): Response => Response.json({ url: request.url, fake: true });

/** Files only the traces project runs: they need its OTLP endpoint. */
const TRACE_TESTS = ["test/worker/traces.test.ts"];
/** Files only the project without a BATON_PAYLOADS bucket runs. */
const NO_PAYLOADS_TESTS = ["test/worker/no-payloads.test.ts"];

/** A project running tests inside workerd against the test Worker. */
function workersProject(name: string, include: string[], bindings: Record<string, string> = {}, configPath = TEST_WRANGLER_CONFIG) {
  const only = configPath === TEST_WRANGLER_CONFIG ? [...TRACE_TESTS, ...NO_PAYLOADS_TESTS] : TRACE_TESTS;
  return {
    plugins: [cloudflareTest(workerOptions(bindings, echo, configPath))],
    resolve: { alias: batonFromSource },
    test: { name, include, exclude: [...configDefaults.exclude, ...only], testTimeout: 20_000 },
  };
}

/**
 * The trace tests: the Worker exports to a loopback OTLP receiver (started by the
 * project's globalSetup, its URL injected), so every run here exports traces; the
 * other projects set no endpoint and export nothing. The receiver's own requests are
 * passed on to it for real; everything else gets the stand-in.
 */
function tracesProject() {
  return {
    plugins: [
      cloudflareTest(({ inject }) => {
        const receiver = inject("otlpReceiver");
        const origin = new URL(receiver).origin;
        const outbound = async (request: Request): Promise<Response> => {
          if (new URL(request.url).origin !== origin) return echo(request);
          // Re-made in Node: Miniflare's Request is not the one Node's fetch takes.
          const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
          const answer = await fetch(request.url, { method: request.method, headers: Object.fromEntries(request.headers), body });
          return new Response(await answer.arrayBuffer(), { status: answer.status, headers: answer.headers });
        };
        return workerOptions({ BATON_OTLP_ENDPOINT: receiver, BATON_OTLP_HEADERS: "x-collector-key=test%20key,x-tenant=baton" }, outbound);
      }),
    ],
    resolve: { alias: batonFromSource },
    test: { name: "workers-traces", include: TRACE_TESTS, globalSetup: ["test/support/otlp-receiver.ts"], testTimeout: 40_000 },
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: batonFromSource },
        test: {
          name: "core",
          include: ["test/core/**/*.test.ts"],
          environment: "node",
        },
      },
      // The demo workflows' own tests sit beside them: removing workflows/ removes them too.
      workersProject("workers", ["test/worker/**/*.test.ts", "workflows/**/*.test.ts"]),
      tracesProject(),
      // The console in headless Chromium against the Worker under `wrangler dev`.
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // Python workflows end to end: the Worker under `wrangler dev` and a Python worker from the wheel.
      {
        resolve: { alias: batonFromSource },
        test: {
          name: "python",
          include: ["test/python/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
      // The same runs with the consumers' run mirrors off: every task is reached by
      // replaying the workflow from the whole log, and must give the same results.
      // The Worker without an R2 bucket: values stay within 1 MiB, with the error saying how to lift it.
      // bounded.test.ts too: its results stay in rows there, so the log it pages is as large as it says.
      workersProject("workers-no-payloads", [...NO_PAYLOADS_TESTS, "test/worker/bounded.test.ts"], {}, NO_PAYLOADS_WRANGLER_CONFIG),
      workersProject("workers-replay", ["test/worker/{run,replay,eviction,delivery,retries,compose,deploys,conformance,events,restart,bounded,run-messages,rollback,large-payloads}.test.ts"], { BATON_CONSUMER_CACHE: "off" }),
    ],
  },
});
