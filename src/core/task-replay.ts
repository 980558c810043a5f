// Task mode: replay a workflow from its log until it asks for one task, then run
// that task's closure. Used by the queue consumer; pure, so it is tested without workerd.

import { NonDeterminismError } from "../../sdk/errors.ts";
import { toErrorData } from "./error-data.ts";
import { Execution, IDLE_HOST, type Resolver, type WorkflowBody } from "./execution.ts";
import type { LogEntry, Outcome } from "./log.ts";

/** How long replay may wait on code outside steps before the task is declared unreachable. */
const REACH_GRACE_MS = 2_000;

/** Replays `body` over `log` to the task at `key` and returns the outcome of running its closure. */
export async function runTaskByReplay(
  body: WorkflowBody,
  input: unknown,
  log: readonly LogEntry[],
  key: string,
  attempt: number,
  resolver?: Resolver,
  cancel?: AbortSignal,
): Promise<Outcome> {
  const execution = new Execution(body, input, log, IDLE_HOST, { kind: "task", key, attempt, cancel }, resolver ? { resolver } : {});
  execution.start();
  // Replay resolves promises straight from the log, so the task is normally asked for
  // within microtasks; the grace period covers bodies that await something else first.
  let giveUp: (outcome: Outcome) => void = () => {};
  const gaveUp = new Promise<Outcome>((resolve) => (giveUp = resolve));
  const timer = setTimeout(() => giveUp(unreachable(key)), REACH_GRACE_MS);
  const ended = execution.ended.then(
    (end): Outcome => (end.status === "failed" && NonDeterminismError.is(end.error) ? { ok: false, error: end.error } : unreachable(key)),
  );
  const reached = execution.targetCalled.then((): undefined => undefined);
  try {
    const miss = await Promise.race([reached, ended, gaveUp]);
    if (miss) return miss;
  } finally {
    clearTimeout(timer);
  }
  return execution.reached;
}

function unreachable(key: string): Outcome {
  return {
    ok: false,
    error: toErrorData(
      new NonDeterminismError(
        `Replay did not reach task "${key}": the workflow no longer asks for it with the recorded steps. ` +
          `Its code changed under a run in flight, or it branches on something outside a step.`,
      ),
    ),
  };
}
