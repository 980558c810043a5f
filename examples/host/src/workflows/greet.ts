// A signup's welcome: compose the greeting in a task, wait a moment, record it.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { name: string }) => {
  const greeting = await task("compose", async () => `hello, ${input.name}`);
  await sleep("1 second");
  await task("record", async () => ({ recorded: greeting }));
  return { greeting };
});
