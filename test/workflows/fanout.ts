// parallel() over items whose tasks finish in reverse order of their index.
import { parallel, task, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string; n: number; concurrency?: number }) => {
  const items = Array.from({ length: input.n }, (_, i) => i);
  return parallel(
    items,
    async (i) => {
      const doubled = await task("double", async () => {
        await hit(`${input.tag}:double:${i}`);
        await new Promise((resolve) => setTimeout(resolve, (input.n - i) * 10));
        return i * 2;
      });
      return task("label", async () => `item-${i}=${doubled}`);
    },
    input.concurrency === undefined ? {} : { concurrency: input.concurrency },
  );
});
