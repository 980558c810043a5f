// Task mode: replay a workflow from its log, delivering recorded outcomes in their
// recorded order, until it asks for one task; then run that task's closure. Used by
// the queue consumer and the in-memory runner; pure, so it is tested without workerd.

import { NonDeterminismError, StuckRunError } from "../errors.ts";
import { toErrorData } from "./error-data.ts";
import { Execution, IDLE_HOST, type ExecutionOptions, type WorkflowBody } from "./execution.ts";
import type { LogEntry, Outcome } from "./log.ts";
import { taskNotReached } from "./replay-errors.ts";

/** Replays `body` over `log` to the task at `key` and returns the outcome of running its closure. */
export async function runTaskByReplay(
  body: WorkflowBody,
  input: unknown,
  log: readonly LogEntry[],
  key: string,
  attempt: number,
  options: ExecutionOptions = {},
  cancel?: AbortSignal,
  traceparent: string | null = null,
): Promise<Outcome> {
  const execution = new Execution(body, input, log, IDLE_HOST, { kind: "task", key, attempt, cancel, traceparent }, options);
  execution.start();
  // The replay either asks for the task, or ends: diverged, stuck, or finished without it.
  const missed = await Promise.race([
    execution.targetCalled.then((): undefined => undefined),
    execution.ended.then(
      (end): Outcome =>
        end.status === "failed" && (NonDeterminismError.is(end.error) || StuckRunError.is(end.error))
          ? { ok: false, error: end.error }
          : { ok: false, error: toErrorData(taskNotReached(key, [], options.codeChange)) },
    ),
  ]);
  return missed ?? execution.reached;
}
