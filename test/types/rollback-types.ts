// Checked by `npm run typecheck` (never run): a rollback's `output` is typed as its
// step's result, its `ctx` names the step it undoes, and a rollback with options takes
// only retries, timeout and heartbeatTimeout beside its fn.
import { step, task, workflow } from "baton-workflows";

/** Every form of rollback once; the expect-error lines are the checks. */
export const typedRollbacks = workflow(async () => {
  const flight = await task("book-flight", () => ({ ref: "FL-1" }), { rollback: ({ output, error, ctx }) => `${output.ref} ${error.message} ${ctx.step.key} ${ctx.attempt}` });
  const seats: number = await step("count", () => 3, { retries: { limit: 1 }, rollback: { fn: ({ output }) => output + 1, timeout: "1 minute" } });
  // @ts-expect-error output is the step's result, { ref: string }
  await task("typo", () => ({ ref: "x" }), { rollback: ({ output }) => output.reff });
  // @ts-expect-error a rollback's options hold no cache
  await task("cached", () => 1, { rollback: { fn: () => 0, cacheTtl: 60 } });
  return { flight, seats };
});
