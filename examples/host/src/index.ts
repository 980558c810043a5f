// The host's own Worker: its home page and signup route, plus Baton mounted under
// /baton (API, console, approval pages). Its signup handler starts a workflow from code
// with baton.start; other Workers start them over a service binding to BatonService.

import { createBaton } from "baton-workflows/worker";
import greet from "./workflows/greet.ts";
import nightly from "./workflows/nightly-report.ts";
import signoff from "./workflows/signoff.ts";

// Baton's Durable Object classes and its service-binding entrypoint, as exports of the main module.
export { AccessGuard, BatonService, ConcurrencyLimiter, RunIndex, RunObject, Scheduler, TaskCache, WorkerDirectory, WorkQueue } from "baton-workflows/worker";

const workflows = { greet, signoff, "reports/nightly": nightly };
/** The workflows by name, for typed callers (see caller/index.ts). */
export type Workflows = typeof workflows;

const baton = createBaton({ workflows, basePath: "/baton" });

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/") return new Response("Welcome to the host's own home page.");
    if (url.pathname === "/signup" && request.method === "POST") {
      const { name } = (await request.json()) as { name: string };
      // The same name twice starts one run: the Idempotency-Key names it.
      const run = await baton.start(env, "greet", { name }, { idempotencyKey: `signup:${name}` });
      return Response.json(run, { status: 202 });
    }
    const status = /^\/signup\/([\w-]+)$/.exec(url.pathname);
    if (status?.[1]) {
      const run = await baton.get<"greet">(env, status[1]);
      return Response.json({ status: run.status, greeting: run.output?.greeting ?? null });
    }
    if (url.pathname === "/baton" || url.pathname.startsWith("/baton/")) return baton.fetch(request, env, ctx);
    return new Response("Not found", { status: 404 });
  },
  queue: baton.queue,
  scheduled: baton.scheduled,
} satisfies ExportedHandler<Env>;

interface Env {
  GREETING: string;
}
