// continueAsNew on the run object's side: the successor's id, derived from the run's own
// (so a replay after a crash, or a re-sent signal, reaches the one successor), and its
// start, a signal queued in the same write as the run's end: the same workflow with the
// new input, the same parent (whose flow step knows the chain by its first run's id),
// the same trace.

import { createHash } from "node:crypto";
import { InvalidInputError, issuesText } from "baton-workflows";
import { toErrorData, type ErrorData, type Json } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import { childTraceparent } from "../telemetry/run-tracer.ts";
import type { RunRow, RunStore } from "./run-store.ts";
import type { RunSummary } from "./run-view.ts";

/** What a successor's start signal carries. */
export interface SuccessorBody {
  workflow: string;
  input: Json | undefined;
}

/** The successor's id of run `runId`: SHA-256 of it (hashed synchronously, in the write that ends the run), shaped like a UUID. */
export function successorIdOf(runId: string): string {
  const hex = createHash("sha256").update(`continue-as-new:${runId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Queues the successor's start; `run` has just ended `continued` (its row names the successor). */
export function queueSuccessor(store: RunStore, run: RunRow, input: Json | undefined, now: number): void {
  const target = run.continuedAs ?? successorIdOf(run.id);
  store.signals.queue({ kind: "start_successor", target, body: { workflow: run.workflow, input } }, now);
}

/**
 * Starts the successor (idempotent: by its id). Answers why it refused, when its input
 * no longer fits the workflow's schema (a deploy between the check and the start).
 */
export async function startSuccessor(env: Env, run: RunRow, target: string, body: SuccessorBody): Promise<ErrorData | null> {
  const started = await env.RUNS.get(env.RUNS.idFromName(target)).start({
    id: target,
    workflow: body.workflow,
    input: body.input,
    idempotencyKey: null,
    origin: run.origin,
    parent: run.parentId !== null && run.parentKey !== null ? { id: run.parentId, key: run.parentKey } : undefined,
    continuedFrom: { id: run.id, root: run.chainRoot ?? run.id },
    // The successor's spans land in the chain's trace, under this run's root span.
    traceparent: childTraceparent(env, run),
  });
  if (!started.invalid) return null;
  return toErrorData(new InvalidInputError(`continueAsNew(): the successor's input does not fit "${body.workflow}"'s input schema: ${issuesText(started.invalid)}`, started.invalid));
}

/** The id a parent's flow step knows this run by: its chain's first run. */
export function chainIdOf(run: RunRow): string {
  return run.chainRoot ?? run.id;
}

/** The summary of the chain's current run: `id`'s, or that of the last run it continued as (a schedule's overlap check); null when `id` holds no run. */
export async function chainSummary(env: Env, id: string): Promise<RunSummary | null> {
  let run = await env.RUNS.get(env.RUNS.idFromName(id)).summary();
  // Each read of a continued run answers once its successor exists.
  while (run?.status === "continued" && run.continuedAs) run = await env.RUNS.get(env.RUNS.idFromName(run.continuedAs)).summary();
  return run;
}
