// Temporal's activities-cancellation-heartbeating sample: a long activity reports
// progress until its cancellation reaches it (here: its signal, which the consumer's
// heartbeats abort); the workflow catches the cancellation, cleans up, and rethrows.
import { CancelledError, task, workflow } from "baton-workflows";

export default workflow(async () => {
  try {
    await task("fakeProgress", async ({ signal }) => {
      let progress = 0;
      while (!signal.aborted && progress < 10_000) {
        progress += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return progress;
    }, { timeout: 300, retries: { limit: 0 } });
    return "done";
  } catch (error) {
    if (error instanceof CancelledError) await task("cleanup", () => "cleaned up");
    throw error;
  }
});
