// A run created by a batch start (startMany) answers its start with what the batch needs
// to list it and send its first task messages together with the batch's other runs'
// (src/api/batch-starts.ts): its summary and revision, and its first send, held back.

import type { IndexSync, Listed } from "../run-list/index-sync.ts";
import type { HeldSends, TaskDispatch } from "../tasks/dispatch.ts";

/** Waits for the run's first flush (its first tasks held, its listing left to the batch) and answers both. */
export async function answerToBatch(index: IndexSync, tasks: TaskDispatch, flushing: Promise<void> | undefined): Promise<Listed & { sends: HeldSends[] }> {
  // Until the answer names its revision, the first flush leaves every listing to the batch.
  index.leave();
  const sends = await tasks.handOff(flushing);
  return { ...(await index.listed(true)), sends };
}
