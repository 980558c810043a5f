// A first workflow: a task (run in its own queue consumer invocation, its result
// checkpointed), a sleep (the run suspends; nothing is held), and its result.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { name?: string }) => {
  const greeting = await task("greet", async () => `hello, ${input.name ?? "world"}`);
  await sleep("1 second");
  return { greeting };
});
