// Three tasks around a sleep: what a client streaming a run's events sees.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { seconds: number }) => {
  const a = await task("a", async () => 1);
  const b = await task("b", async () => a + 1);
  await sleep("pause", input.seconds);
  return await task("c", async () => b + 1);
});
