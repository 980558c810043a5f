// Another Worker: starts the host's workflows over the BATON service binding (typed by
// the host's workflow map) and passes every other request to the host.
import type { TypedBatonService } from "baton-workflows/worker";
import type { Workflows } from "../src/index.ts";

interface Env {
  BATON: TypedBatonService<Workflows>;
  HOST: Fetcher;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/caller/start" && request.method === "POST") {
      const { name } = (await request.json()) as { name: string };
      const run = await env.BATON.start("greet", { name });
      return Response.json(run, { status: 202 });
    }
    const read = /^\/caller\/runs\/([\w-]+)$/.exec(url.pathname);
    if (read?.[1]) {
      try {
        const run = await env.BATON.get<"greet">(read[1]);
        return Response.json({ status: run.status, greeting: run.output?.greeting ?? null });
      } catch (error) {
        // Errors cross the binding with their code in front: "run_not_found: …".
        return Response.json({ error: (error as Error).message }, { status: (error as Error).message.startsWith("run_not_found") ? 404 : 500 });
      }
    }
    return env.HOST.fetch(request);
  },
} satisfies ExportedHandler<Env>;
