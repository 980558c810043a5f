// Queries runLocally sends to a run at virtual times (options.queries), answered as
// GET /api/runs/:id/queries/:name would be: from the body's in-memory state once it
// is at rest, recording nothing.

import { toSeconds } from "../duration.ts";
import type { Execution } from "../core/execution.ts";
import { toJson } from "../core/json.ts";
import { publishedOf } from "../core/published-state.ts";
import type { LocalQuery, LocalQueryAnswer } from "./types.ts";
import type { VirtualClock } from "./virtual-clock.ts";

/**
 * Schedules each of `queries` on the clock, `after` the run's start; answers fill the
 * returned list in the order they are answered. `drive()` is the run's latest execution
 * (after the run's end, the one that ended it: the API answers an ended run from a replay).
 */
export function scheduleQueries(queries: readonly LocalQuery[], clock: VirtualClock, startedAt: number, drive: () => Execution | undefined): LocalQueryAnswer[] {
  const answers: LocalQueryAnswer[] = [];
  for (const query of queries) {
    const after = toSeconds(query.after ?? 0, "runLocally() queries[].after");
    const arg = toJson(query.arg, `the arg of query "${query.name}"`);
    clock.at(startedAt + after * 1000, () => {
      const at = new Date(clock.now).toISOString();
      const execution = drive();
      if (!execution) return;
      // The body at rest first, as the run object answers.
      clock.track(
        execution.idle().then(() => {
          const answer = publishedOf(execution).answer(query.name, arg);
          if (answer.status === "answered") answers.push({ name: query.name, at, result: answer.result });
          else if (answer.status === "query_failed") answers.push({ name: query.name, at, error: { code: "query_failed", message: answer.message } });
          else answers.push({ name: query.name, at, error: { code: "query_not_found", message: `the run has defined no query "${query.name}"; it has defined: ${answer.names.join(", ") || "none"}` } });
        }),
      );
    });
  }
  return answers;
}
