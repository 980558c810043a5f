// How views show a value kept in BATON_PAYLOADS: not inline, but its size and the API
// route that streams it, so a run's detail stays small however large its values are.

import type { PayloadRef, StepRecord } from "baton-workflows/engine";
import { href } from "../host.ts";
import type { RunRow } from "../runs/run-store.ts";

/** A kept value as views show it. */
export interface KeptValueView {
  bytes: number;
  href: string;
}

/** The reference fields of a run's detail: `inputRef` and `outputRef` where those are kept. */
export function runKeptViews(run: RunRow): { inputRef?: KeptValueView; outputRef?: KeptValueView } {
  const base = `/api/runs/${encodeURIComponent(run.id)}`;
  return { ...(run.inputRef ? { inputRef: view(run.inputRef, `${base}/input`) } : {}), ...(run.outputRef ? { outputRef: view(run.outputRef, `${base}/output`) } : {}) };
}

/** The reference field of a step's detail: `outputRef` where its result is kept. */
export function stepKeptView(runId: string, step: StepRecord): { outputRef?: KeptValueView } {
  return step.resultRef ? { outputRef: view(step.resultRef, `/api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step.key)}/output`) } : {};
}

function view(ref: PayloadRef, path: string): KeptValueView {
  return { bytes: ref.bytes, href: href(path) };
}
