// A loop that starts tasks without awaiting them, sleeps, then collects them.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { n: number }) => {
  const jobs: Promise<number>[] = [];
  for (let i = 0; i < input.n; i++) jobs.push(task(`job${i}`, () => i * 10));
  await sleep("between", "1 hour");
  const results = await Promise.all(jobs);
  return results.reduce((sum, value) => sum + value, 0);
});
