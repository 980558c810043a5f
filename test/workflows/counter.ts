// Counts in a loop of tasks, publishing its count as state and answering queries about
// it, naps if asked, then waits for the event "finish" (whose payload adds to the count). Queries that
// throw, call a primitive or return a promise are there to be refused.
import { defineQuery, publish, setState, sleep, task, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { tasks: number; big?: boolean; nap?: number }) => {
  let count = 0;
  let phase = "counting";
  defineQuery("count", () => count);
  defineQuery("plus", (n: number) => count + n);
  defineQuery("phase", () => ({ phase, count }));
  defineQuery("broken", () => {
    throw new Error("no answer today");
  });
  defineQuery("sneaky", () => task(async () => 1));
  defineQuery("later", async () => count);
  setState({ count, phase });
  for (let i = 0; i < input.tasks; i++) {
    count += await task("one", () => 1);
    setState({ count, phase });
  }
  let refused: string | undefined;
  if (input.big) {
    try {
      setState("x".repeat(70_000));
    } catch (error) {
      refused = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
  if (input.nap) {
    phase = "napping";
    setState({ count, phase });
    await sleep(input.nap);
  }
  phase = "waiting";
  // A later define replaces the earlier one.
  defineQuery("phase", () => ({ phase, count, redefined: true }));
  publish({ count, phase, ...(refused === undefined ? {} : { refused }) });
  const extra = await waitForEvent<{ add: number }>("finish", { timeout: 3600 });
  count += extra.add;
  phase = "done";
  setState({ count, phase });
  return { count };
});
