// The worker protocol's HTTP side (v1, /api/worker/v1; DESIGN.md "Workers you run"):
// registering, long-polling a queue, heartbeats and answers. Authenticated with the
// worker token, apart from the API's. A claim handed to a worker is opaque to it: it
// names the queue, the item and the queue's claim on it, so every answer goes to the
// one object that can tell whether the claim still holds.

import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Env } from "../env.ts";
import { ApiError } from "../api/api-error.ts";
import { requireWorkerToken } from "../api/auth.ts";
import { parse, readJson } from "../api/request-body.ts";
import { MAX_INPUT_BYTES } from "../api/schemas.ts";
import { CompleteBody, LogPageQuery, PollBody, PROTOCOL_VERSIONS, QueueParam, WorkerRegisterBody, type ActivationContext, type RemoteTask } from "../api/worker-schemas.ts";
import type { TaskReport } from "../tasks/messages.ts";
import { fromBase64Url, toBase64Url } from "../base64url.ts";
import { directoryOf, forgetRemote } from "./remote-catalog.ts";
import { LEASE_MS, type ClaimedRef } from "./work-queue.ts";

type AppEnv = { Bindings: Env };

/** How long a poll waits for work before it answers empty: under common proxies' idle timeouts. */
export const POLL_MS = 25_000;

/** A claim as a worker holds it: the queue, the item and the queue's claim. */
interface Claim {
  q: string;
  i: string;
  c: string;
  r: string;
  k: "task" | "activation";
  key?: string | undefined;
  a?: number | undefined;
}

/** The worker protocol's routes, to mount at /api/worker/v1. */
export function workerApi(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requireWorkerToken());
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_INPUT_BYTES,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `the request body is over ${MAX_INPUT_BYTES} bytes; return large data by reference`);
      },
    }),
  );

  app.post("/register", async (c) => {
    const raw = await readJson(c);
    // Asked first: a worker of another protocol version may send another shape.
    const spoken = typeof raw === "object" && raw !== null ? (raw as { protocol?: unknown }).protocol : undefined;
    if (!PROTOCOL_VERSIONS.some((version) => version === spoken)) {
      throw new ApiError(400, "protocol_mismatch", `this Worker speaks worker protocol ${PROTOCOL_VERSIONS.join(", ")}; the worker speaks ${JSON.stringify(spoken ?? null)}: upgrade the older of the two`);
    }
    const body = parse(WorkerRegisterBody, raw);
    await directory(c.env).register({ ...body.worker, host: body.worker.host ?? null }, body.workflows, body.scripts);
    forgetRemote();
    return c.json({ protocol: 1, leaseSeconds: LEASE_MS / 1000, pollSeconds: POLL_MS / 1000 });
  });

  app.post("/queues/:queue/poll", async (c) => {
    const queue = parse(QueueParam, c.req.param("queue"));
    const body = parse(PollBody, await readJson(c));
    const claimed = await workQueue(c.env, queue).poll(body.max ?? 1, POLL_MS);
    const items = await Promise.all(claimed.map((ref) => handOut(c.env, queue, ref, body.known?.[ref.runId])));
    return c.json({ items: items.filter((item) => item !== null) });
  });

  app.post("/claims/:claim/heartbeat", async (c) => {
    const claim = claimOf(c);
    if (!(await workQueue(c.env, claim.q).heartbeat(claim.i, claim.c))) throw lapsed();
    if (claim.k === "activation") return c.json({ wanted: true });
    const [wanted = false] = await runOf(c.env, claim.r).stillWanted([{ key: claim.key ?? "", attempt: claim.a ?? 0, claimant: claim.c }]);
    if (!wanted) await workQueue(c.env, claim.q).done(claim.i, claim.c);
    return c.json({ wanted });
  });

  app.post("/claims/:claim/complete", async (c) => {
    const claim = claimOf(c);
    const body = parse(CompleteBody, await readJson(c));
    const queue = workQueue(c.env, claim.q);
    if (!(await queue.holds(claim.i, claim.c))) throw lapsed();
    const run = runOf(c.env, claim.r);
    let accepted: boolean;
    if (claim.k === "task") {
      if (!body.outcome) throw new ApiError(400, "invalid_request", 'a task claim is answered with {"outcome": {"ok": true, "value": …} | {"ok": false, "error": {…}}}');
      const { outcome } = body;
      const report = { key: claim.key ?? "", attempt: claim.a ?? 0, ...(outcome.ok ? { result: outcome.value } : { error: outcome.error }), ...(body.logs ? { logs: body.logs.map((line) => ({ ...line, attempt: claim.a ?? 0 })) } : {}) } as TaskReport;
      ({ accepted } = await run.report(report));
    } else {
      if (!body.commands) throw new ApiError(400, "invalid_request", 'an activation claim is answered with {"commands": [...]}');
      ({ accepted } = await run.workerCommands(JSON.stringify(body.commands)));
    }
    await queue.done(claim.i, claim.c);
    return c.json({ accepted });
  });

  app.get("/claims/:claim/log", async (c) => {
    const claim = claimOf(c);
    const { cursor } = parse(LogPageQuery, c.req.query());
    if (!(await workQueue(c.env, claim.q).holds(claim.i, claim.c))) throw lapsed();
    const page = await runOf(c.env, claim.r).activationLog(cursor);
    if (page === null) throw new ApiError(400, "invalid_request", "cursor is not one this run gave out (or the run ended)");
    return c.body(page, 200, { "content-type": "application/json; charset=UTF-8" });
  });

  return app;
}

/** What the worker is handed for a claimed item; null (and the item done) when the run no longer wants it. */
async function handOut(env: Env, queue: string, ref: ClaimedRef, known: string | undefined): Promise<Record<string, unknown> | null> {
  const claim = encodeClaim({ q: queue, i: ref.id, c: ref.claim, r: ref.runId, k: ref.kind, key: ref.key, a: ref.attempt });
  const run = runOf(env, ref.runId);
  try {
    if (ref.kind === "activation") {
      const text = await run.activation(known);
      if (text !== null) return { kind: "activation", claim, ...(JSON.parse(text) as ActivationContext) };
    } else {
      const text = await run.remoteTask(ref.key ?? "", ref.attempt ?? 0, ref.claim);
      if (text !== null) return { kind: "task", claim, ...(JSON.parse(text) as RemoteTask) };
    }
  } catch (error) {
    // The run could not be asked: the claim lapses and the item is offered again.
    console.error(`baton: run ${ref.runId} could not hand out ${ref.id}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
  await workQueue(env, queue).done(ref.id, ref.claim);
  return null;
}

function directory(env: Env) {
  const found = directoryOf(env);
  if (!found) throw notConfigured();
  return found;
}

function workQueue(env: Env, name: string) {
  if (!env.WORK_QUEUES) throw notConfigured();
  return env.WORK_QUEUES.get(env.WORK_QUEUES.idFromName(name));
}

function runOf(env: Env, id: string) {
  return env.RUNS.get(env.RUNS.idFromName(id));
}

function notConfigured(): ApiError {
  return new ApiError(503, "workers_not_configured", "this Worker has no WORK_QUEUES and WORKERS Durable Object bindings; run `npx baton init` and deploy again");
}

function lapsed(): ApiError {
  return new ApiError(410, "claim_lapsed", "the claim lapsed (no heartbeat within the lease) or was answered already; drop this work, another worker may hold it");
}

function encodeClaim(claim: Claim): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(claim)));
}

function claimOf(c: Context<AppEnv>): Claim {
  const text = c.req.param("claim") ?? "";
  const bytes = fromBase64Url(text);
  try {
    const claim = (bytes ? JSON.parse(new TextDecoder().decode(bytes)) : {}) as Partial<Claim>;
    const { q, i, c: held, r, k } = claim;
    if (typeof q === "string" && typeof i === "string" && typeof held === "string" && typeof r === "string" && (k === "task" || k === "activation")) {
      // The item id names the run (and the task): a claim cannot point one run's answer at another.
      const id = k === "activation" ? `act:${r}` : `task:${r}:${claim.key ?? ""}:${claim.a ?? ""}`;
      if (id === i) return { q, i, c: held, r, k, key: claim.key, a: claim.a };
    }
  } catch {
    // Not base64url JSON: answered as a claim this Worker never handed out.
  }
  throw lapsed();
}
