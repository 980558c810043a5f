// Temporal's "cleanup after cancellation": a long task in try, a cleanup task in
// finally that the run's cancel does not interrupt. With `holdCleanup`, the cleanup
// runs until the test releases it (a Probe count) or its signal aborts.
import { nonCancellable, task, workflow } from "baton-workflows";
import { count, hit } from "../hit.ts";

const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));

export default workflow(async (input: { tag: string; holdCleanup?: boolean }) => {
  try {
    await task("long", async ({ signal }) => {
      await hit(`${input.tag}:long:started`);
      await aborted(signal);
      await hit(`${input.tag}:long:aborted`);
      return "aborted";
    }, { timeout: 120, retries: { limit: 0 } });
    return "finished";
  } finally {
    await nonCancellable(() =>
      task("cleanup", async ({ signal }) => {
        await hit(`${input.tag}:cleanup:started`);
        while (input.holdCleanup && !signal.aborted && (await count(`${input.tag}:release`)) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        await hit(`${input.tag}:cleanup:${signal.aborted ? "aborted" : "done"}`);
        return "cleaned";
      }, { timeout: 120, retries: { limit: 0 } }),
    );
  }
});
