// Temporal's cancellation-scopes sample, sharedScopes: several activities race in one
// scope; once the first finishes, the scope is cancelled and so are the others. Here
// race() settles with the first and cancels the rest.
import { race, sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  const untilAborted = ({ signal }: { signal: AbortSignal }) => new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
  // A short timeout: a loser whose consumer cannot reach the run object (the rebuilt variant aborts it) stops by itself.
  const winner = await race([task("slowA", untilAborted, { timeout: 2 }), task("fast", () => "fast"), task("slowB", untilAborted, { timeout: 2 })]);
  await sleep("after", "1 minute");
  return winner;
});
