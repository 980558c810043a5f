// Temporal's cancellation-scopes sample, handleExternalWorkflowCancellationWhileActivityRunning:
// the run is cancelled while its activity runs; the finally block's cleanup activity runs
// in a non-cancellable scope before the run ends cancelled.
import { nonCancellable, task, workflow } from "baton-workflows";

export default workflow(async () => {
  try {
    await task("httpPostJSON", ({ signal }) => new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve("aborted"), { once: true })), { timeout: 120, retries: { limit: 0 } });
    return "posted";
  } finally {
    await nonCancellable(() => task("cleanup", () => "cleaned up"));
  }
});
