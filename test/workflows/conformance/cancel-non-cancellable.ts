// Temporal's cancellation-scopes sample, nonCancellable: an activity in a
// non-cancellable scope runs to its end although the run is cancelled meanwhile; the
// run still ends cancelled.
import { nonCancellable, task, workflow } from "baton-workflows";

export default workflow(async () => {
  const result = await nonCancellable(() =>
    task("httpGetJSON", async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { ok: true };
    }),
  );
  return result;
});
