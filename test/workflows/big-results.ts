// Holds `count` step results of `kb` KB each (36 MB with the defaults), then runs a task:
// a consumer must reach that task with the whole log behind it.
import { step, task, workflow } from "baton-workflows";

export default workflow(async (input: { count?: number; kb?: number }) => {
  const count = input.count ?? 40;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const chunk = await step("big", async () => `${i}:`.padEnd((input.kb ?? 900) * 1000, "x"));
    total += chunk.length;
  }
  const next = await task("next", async () => `after ${count} results`);
  return { total, next };
});
