// Restarting an ended run from a step: which of its steps a new run keeps. The new
// run replays the kept outcomes, in the order they reached the body, and runs the
// rest (the step restarted from, and everything after it) on the current code.

import { isTerminal, ROLLBACK_BRANCH, type Json, type StepRecord } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import { childTraceparent } from "../telemetry/run-tracer.ts";
import type { PayloadRef, RestartRequest, RestartResult } from "./run-api.ts";
import type { RunRow, RunStore } from "./run-store.ts";
import { summaryOf } from "./run-views.ts";

/** What a restart keeps, and the step it restarts from (undefined: after every kept step). */
export interface RestartPlan {
  from: StepRecord | undefined;
  /** Completed steps, renumbered 1… in the order they reached the body. */
  kept: StepRecord[];
}

/**
 * The steps a restart from `fromKey` keeps: the completed outcomes that reached the
 * body before it, up to the first that did not complete (a failure the body caught
 * must run again, and a replay cannot skip ahead of it) or was rolled back. Without `fromKey`, from the
 * first step that did not complete; with none, every completed step is kept and only
 * the body runs again. Answers "no_step" when the run has no step `fromKey`.
 */
export function restartPlan(steps: readonly StepRecord[], fromKey: string | undefined): RestartPlan | "no_step" {
  const byDelivery = steps.filter((step) => step.delivery !== null).sort((a, b) => (a.delivery ?? 0) - (b.delivery ?? 0));
  let from: StepRecord | undefined;
  if (fromKey !== undefined) {
    from = steps.find((step) => step.key === fromKey);
    if (!from) return "no_step";
  } else {
    from = byDelivery.find((step) => step.status !== "completed") ?? steps.find((step) => step.status !== "completed");
  }
  const kept: StepRecord[] = [];
  // A step whose rollback ran (keyed `rollback/<its key>`) was undone: a new run must do it again.
  const undone = new Set(steps.flatMap((step) => (step.branch === ROLLBACK_BRANCH ? [step.key.slice(ROLLBACK_BRANCH.length)] : [])));
  for (const step of byDelivery) {
    // Past the run's cancel the body was cleaning up: a new run must not replay that.
    if (step === from || step.status !== "completed" || step.kind === "cancel" || undone.has(step.key)) break;
    // A continueAsNew takes no delivery, but never is kept either: the new run continues anew, with a successor of its own.
    if (step.kind === "continue") continue;
    kept.push(step);
  }
  // Markers of patched() take no delivery; they stay when recorded before the restart point.
  const order = new Map(steps.map((step, i) => [step.key, i]));
  const limit = from ? (order.get(from.key) ?? steps.length) : steps.length;
  const markers = steps.filter((step) => step.kind === "patch" && (order.get(step.key) ?? 0) < limit);
  let next = 0;
  const renumbered = kept.map((step) => ({ ...step, delivery: step.delivery === 0 ? 0 : ++next }));
  return { from, kept: [...renumbered, ...markers] };
}

/** How a restart gives the new run its own copies of values kept in R2 (kept-values.ts), so deleting either run breaks neither. */
export interface RestartAdopters {
  input(run: RunRow, newId: string): Promise<{ input: Json | undefined; inputRef?: PayloadRef }>;
  steps(kept: StepRecord[], newId: string): Promise<StepRecord[]>;
}

/** Starts the restart of the run in `store` as run `request.id`, keeping what restartPlan keeps (RunObject.restart). */
export async function restartRun(store: RunStore, env: Env, request: RestartRequest, adopt: RestartAdopters): Promise<RestartResult> {
  const run = store.run();
  if (!run) return { status: "run_not_found" };
  if (!isTerminal(run.status)) return { status: "run_not_active", run: summaryOf(store, run) };
  const plan = restartPlan(store.steps.all(), request.fromStep);
  if (plan === "no_step") return { status: "step_not_found" };
  const keys = plan.kept.map((step) => step.key);
  const started = await env.RUNS.get(env.RUNS.idFromName(request.id)).start({
    id: request.id,
    workflow: run.workflow,
    ...(await adopt.input(run, request.id)),
    idempotencyKey: request.idempotencyKey,
    origin: request.origin,
    restart: { of: run.id, steps: await adopt.steps(plan.kept, request.id), attempts: store.steps.attemptsOf(keys), attempt: run.attempt + 1 },
    // The new run's spans land in the restarted run's trace, under its root span.
    traceparent: childTraceparent(env, run),
  });
  if (started.invalid) return { status: "invalid_input", issues: started.invalid };
  return { status: "restarted", created: started.created, run: started.run, fromStep: plan.from?.key ?? null, ...(started.conflict ? { conflict: true } : {}) };
}
