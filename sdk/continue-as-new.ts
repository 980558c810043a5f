// continueAsNew: a loop that would outgrow one run's log (a poller, an agent's turns, a
// batch over pages) ends its run and goes on in a fresh one — the same workflow, a new
// input, an empty log — linked both ways (continuedAs / continuedFrom).

import { currentContext } from "./context.ts";

/**
 * Ends this run and starts its successor: the same workflow with `input` (checked by the
 * workflow's input schema; an input that does not fit fails this run with
 * InvalidInputError), a fresh log, the same parent (a parent's taskFlow waits for the
 * chain's last run) and the same trace. This run ends `continued`, its successor's id in
 * `continuedAs`. Recorded once (a step of kind `continue`, key `continueAsNew#n`), so a
 * replay never starts a second successor. The promise never settles: code after it does
 * not run. Call it from the body, never from a task or step closure.
 */
export function continueAsNew(input?: unknown): Promise<never> {
  return currentContext("continueAsNew").continueAsNew(input);
}
