// A start from code (createBaton().start, BatonService.start): its options as startRun
// takes them, and its answer as code sees it.

import type { StartAnswer } from "baton-workflows/client";
import type { CodeStartOptions, StartedRun } from "../worker.ts";
import type { StartOptions } from "./run-actions.ts";

/** What start() passes on of a code caller's options. */
export function codeStartOptions(start: CodeStartOptions): StartOptions {
  return { id: start.id, idempotencyKey: start.idempotencyKey ?? null, traceparent: start.traceparent ?? null, debounce: start.debounce, singleton: start.singleton };
}

/** A start's answer as code sees it: the run's id and status, and what its option did. */
export function startedRun(created: boolean, run: StartAnswer): StartedRun {
  const { debounced, singleton, previousId, startsAt } = run;
  return { id: run.id, status: run.status, created, ...(debounced === undefined ? {} : { debounced }), ...(singleton === undefined ? {} : { singleton }), ...(previousId === undefined ? {} : { previousId }), ...(startsAt === undefined ? {} : { startsAt }) };
}
