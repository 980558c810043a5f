// Crosses every path a crash can cut: a task after the start, a sleep whose end starts a
// task, an event whose arrival starts a task, each task counting its runs.
import { sleep, task, waitForEvent, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string }) => {
  const a = await task("a", async () => (await hit(`${input.tag}:a`), 1));
  await sleep("nap", 3600);
  const b = await task("b", async () => (await hit(`${input.tag}:b`), a + 1));
  const go = await waitForEvent<number>("go", { timeout: 3600 });
  const c = await task("c", async () => (await hit(`${input.tag}:c`), b + go));
  return c;
});
