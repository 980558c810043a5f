// What runLocally answers of an in-memory run, shaped like `GET /api/runs/:id`, and
// how options.scripts' values become scripts.

import { isScript, script as defineScript, type Script } from "../compose.ts";
import type { TaskContext } from "../context.ts";
import { InvalidArgumentError } from "../errors.ts";
import type { RunOutcome } from "../core/log.ts";
import { stepView } from "../core/run-machine/step-view.ts";
import type { MemorySteps } from "./memory-steps.ts";
import type { LocalQueryAnswer, LocalRun, LocalStep, LocalUpdateAnswer } from "./types.ts";

/** What a run's view is made of. */
export interface LocalViewParts {
  id: string;
  workflow: string;
  parentId: string | null;
  input: unknown;
  end: RunOutcome | undefined;
  createdAt: number;
  updatedAt: number;
  steps: MemorySteps;
  /** The ids of the child runs (flows answered by a workflow, not a plain function). */
  childIds: ReadonlyMap<string, unknown>;
  children: LocalRun[];
  /** The published state's JSON text, if the body set it. */
  state: string | undefined;
  queries: LocalQueryAnswer[];
  updates: LocalUpdateAnswer[];
  /** The chain around it (continueAsNew), where it has one. */
  continuedFrom?: string | null;
  continuedAs?: string | null;
}

/** The view of one in-memory run; a run that has not ended shows as cancelled (runLocally stopped with its root). */
export function localView(parts: LocalViewParts): LocalRun {
  const { end, steps } = parts;
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    id: parts.id,
    workflow: parts.workflow,
    kind: "workflow",
    status: end?.status ?? "cancelled",
    parentId: parts.parentId,
    input: parts.input,
    output: end?.status === "completed" ? (end.output ?? null) : null,
    error: end?.status === "failed" ? end.error : null,
    createdAt: iso(parts.createdAt),
    updatedAt: iso(parts.updatedAt),
    // The run's cancel is no step of the body's.
    steps: steps.all().filter((row) => row.kind !== "cancel").map((row) => {
      const attempts = steps.history(row.key);
      const view = stepView(row, () => attempts.map((h) => ({ attempt: h.attempt, startedAt: iso(h.startedAt), ranAt: h.ranAt === null ? null : iso(h.ranAt), endedAt: iso(h.endedAt), error: h.error })));
      // A flow answered by a plain function has no child run to point at.
      if (row.flow && !parts.childIds.has(row.flow.childId)) delete view.childId;
      const step: LocalStep = { ...view, output: row.result ?? null, logs: attempts.flatMap((h) => h.logs) };
      return step;
    }),
    state: parts.state === undefined ? null : (JSON.parse(parts.state) as unknown),
    queries: parts.queries,
    updates: parts.updates,
    children: parts.children,
    ...(parts.continuedFrom ? { continuedFrom: parts.continuedFrom } : {}),
    ...(parts.continuedAs ? { continuedAs: parts.continuedAs } : {}),
  };
}

/** A value of options.scripts as a script: a script(...) as is, a plain function wrapped. */
export function asScript(path: string, value: unknown): Script {
  if (isScript(value)) return value;
  if (typeof value === "function") return defineScript((args: unknown, context: TaskContext) => (value as (a: unknown, c: TaskContext) => unknown)(args, context));
  throw new InvalidArgumentError(`options.scripts["${path}"] must be a script(...) or a function (args, context) => result`);
}
