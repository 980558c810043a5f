// Three tasks, a step and a sleep, each counting its executions under the run's tag.
import { sleep, step, task, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string; pause?: number }) => {
  const a = await task("a", async () => (await hit(`${input.tag}:a`), 1));
  const b = await task("b", async () => (await hit(`${input.tag}:b`), a + 1));
  const s = await step("s", async () => (await hit(`${input.tag}:s`), b + 1));
  await sleep(input.pause ?? 0);
  const c = await task("c", async () => (await hit(`${input.tag}:c`), s + 1));
  return { total: a + b + s + c };
});
