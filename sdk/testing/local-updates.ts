// Updates runLocally sends to a run at virtual times (options.updates), applied as
// POST /api/runs/:id/updates/:name would be: once the body is at rest, refused with
// nothing recorded when it has not defined the name or its validator says no, else
// recorded in the log and handed to the body, whose handler's answer is stored with it.

import { toSeconds } from "../duration.ts";
import type { Execution } from "../core/execution.ts";
import { toJson } from "../core/json.ts";
import type { Settled } from "../core/log.ts";
import type { MemorySteps } from "./memory-steps.ts";
import { readUpdate, recordUpdate, storeAnswers, updatesOfExecution } from "../core/updates.ts";
import type { LocalUpdate, LocalUpdateAnswer } from "./types.ts";
import type { VirtualClock } from "./virtual-clock.ts";

/** What scheduleUpdates needs of the run. */
export interface UpdateTarget {
  /** The run's latest drive execution, undefined once it ended. */
  drive(): Execution | undefined;
  ended(): boolean;
  steps: MemorySteps;
  /** Hands a recorded update to the body, as the run object's deliver does. */
  deliver(settled: Settled): void;
}

/** Schedules each of `updates` on the clock, `after` the run's start; answers fill the returned list in the order they are answered. */
export function scheduleUpdates(updates: readonly LocalUpdate[], clock: VirtualClock, startedAt: number, run: UpdateTarget): LocalUpdateAnswer[] {
  const answers: LocalUpdateAnswer[] = [];
  let count = 0;
  for (const update of updates) {
    const after = toSeconds(update.after ?? 0, "runLocally() updates[].after");
    const arg = toJson(update.arg, `the arg of update "${update.name}"`) ?? null;
    const refuse = (at: string, code: string, message: string): void => void answers.push({ name: update.name, at, error: { code, message } });
    clock.at(startedAt + after * 1000, () => {
      const at = new Date(clock.now).toISOString();
      const execution = run.drive();
      if (!execution || run.ended()) return refuse(at, "run_not_active", "the run has ended: an ended run takes no updates");
      clock.track(
        (async () => {
          // The body at rest first, as the run object applies an update.
          await execution.idle();
          const live = run.drive();
          if (!live || run.ended()) return refuse(at, "run_not_active", "the run has ended: an ended run takes no updates");
          const handlers = updatesOfExecution(live);
          if (!handlers.has(update.name)) return refuse(at, "update_not_found", `the run has defined no update "${update.name}"; it has defined: ${handlers.names().join(", ") || "none"}`);
          const refusal = handlers.refusal(update.name, arg, live.environment);
          if (refusal) return refuse(at, "update_rejected", refusal);
          const updateId = `update-${++count}`;
          run.deliver(recordUpdate(run.steps, updateId, update.name, arg, clock.now));
          // Read once the body ran the handler: after a replay the delivery scheduled (replayEveryStep), if any.
          clock.at(clock.now, () => clock.track(answered(run, updateId, update.name, at, answers)));
        })(),
      );
    });
  }
  return answers;
}

/** Stores the handler's answer once the body is at rest after it, and adds it to `answers`. */
async function answered(run: UpdateTarget, updateId: string, name: string, at: string, answers: LocalUpdateAnswer[]): Promise<void> {
  const execution = run.drive();
  if (execution) {
    await execution.idle();
    storeAnswers(run.steps, execution);
  }
  const view = readUpdate(run.steps, updateId);
  if (view?.status === "completed") answers.push({ name, at, updateId, result: view.result });
  else if (view?.status === "failed") answers.push({ name, at, updateId, error: { code: "update_failed", message: `update "${name}" threw ${view.error.name}: ${view.error.message}` } });
  else answers.push({ name, at, updateId, error: { code: "update_pending", message: "the run ended before its body ran the update's handler" } });
}
