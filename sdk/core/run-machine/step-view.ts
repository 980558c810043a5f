// A step as a run's detail shows it, from its record: the same view whichever host
// keeps the step (the run object's GET /api/runs/:id, runLocally's result).

import type { AttemptView, StepView } from "../../client/api-types.ts";
import type { StepRecord } from "./storage.ts";

const iso = (ms: number): string => new Date(ms).toISOString();

/** The step's view; `history` gives its finished attempts, asked for only when the view shows them. */
export function stepView(step: StepRecord, history: () => AttemptView[]): StepView {
  const view: StepView = {
    key: step.key,
    // The run's cancel (kind "cancel") is left out of every view before it gets here.
    kind: step.kind as StepView["kind"],
    name: step.name,
    status: step.status,
    attempts: step.attempts,
    startedAt: iso(step.startedAt),
    endedAt: step.endedAt === null ? null : iso(step.endedAt),
    error: step.error ?? null,
  };
  if (step.wakeAt !== null) view.wakeAt = iso(step.wakeAt);
  if (step.fromCache) view.cached = true;
  if (step.flow) view.childId = step.flow.childId;
  if (step.event) view.event = step.event.name;
  if (step.script) view.script = step.script.path;
  // Attempt by attempt, once there is more than one to tell apart or one failed.
  if ((step.kind === "task" || step.kind === "step") && (step.attempts > 1 || step.status === "failed" || step.status === "retrying")) view.history = history();
  return view;
}
