// Branches on I/O outside a step (a probe read): the classic non-determinism bug.
import { sleep, task, workflow } from "baton";
import { count } from "../hit.ts";

export default workflow(async (input: { tag: string; pause?: number }) => {
  const renamed = (await count(`${input.tag}:renamed`)) > 0;
  await task(renamed ? "b" : "a", () => 1);
  await sleep("nap", input.pause ?? 1);
  return task("c", () => 2);
});
