// The Worker the Python end-to-end tests run under `wrangler dev`: Baton as shipped,
// with the TypeScript workflows in test/python/workflows/ that Python ones call and
// that call Python ones. Its run object is the test one (TestRunObject), and one
// test-only route ends a sleep now (POST /__test/runs/{id}/wake/{key}), so the shared
// conformance cases end their waits here as they do in workerd. Not shipped.

import worker from "../../src/index.ts";
import type { Env } from "../../src/env.ts";
import { registry } from "../../src/registry.ts";
import { TestRunObject } from "../../src/testing/test-run-object.ts";
import { modules } from "../generated/python-workflows.ts";

export { AccessGuard, ConcurrencyLimiter, RunIndex, Scheduler, TaskCache, WorkerDirectory, WorkQueue } from "../../src/index.ts";
export { TestRunObject as RunObject };

registry.add(modules);

const WAKE = /^\/__test\/runs\/([^/]+)\/wake\/(.+)$/;

export default {
  ...worker,
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const wake = WAKE.exec(new URL(request.url).pathname);
    if (wake && request.method === "POST" && request.headers.get("Authorization") === `Bearer ${env.BATON_API_TOKEN ?? ""}`) {
      const [, id = "", key = ""] = wake;
      const stub = env.RUNS.get(env.RUNS.idFromName(id)) as unknown as DurableObjectStub<TestRunObject>;
      return Response.json(await stub.control().skipWait(decodeURIComponent(key)));
    }
    return worker.fetch(request, env, ctx);
  },
};
