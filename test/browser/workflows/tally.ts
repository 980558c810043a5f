// Counts in a loop of tasks, publishing the count and answering the query "count",
// then waits for the event "done": what a client querying a waiting run sees.
import { defineQuery, setState, task, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { tasks: number }) => {
  let count = 0;
  defineQuery("count", () => count);
  defineQuery("times", (n: number) => count * n);
  for (let i = 0; i < input.tasks; i++) {
    count += await task("tick", async () => 1);
    setState({ count });
  }
  await waitForEvent("done", { timeout: 3600 });
  return { count };
});
