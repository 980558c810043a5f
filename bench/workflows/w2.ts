// W2: parallel over n items, one task each, bounded concurrency.
import { parallel, task, workflow } from "baton-workflows";

export default workflow(async (input: { n: number; concurrency: number }) => {
  const items = Array.from({ length: input.n }, (_, i) => i);
  const out = await parallel(items, (i) => task("t", () => i * 2), { concurrency: input.concurrency });
  return out.length;
});
