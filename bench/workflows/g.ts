// G: n sequential tasks, to show how per-task cost grows with the log.
import { task, workflow } from "baton-workflows";

export default workflow(async (input: { n: number }) => {
  let total = 0;
  for (let i = 0; i < input.n; i++) total += await task(`t${i}`, () => i);
  return total;
});
