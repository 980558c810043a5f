// A task that prints a line and answers a greeting: what the run page shows of a task.
import { task, workflow } from "baton-workflows";

export default workflow(async (input: { name: string }) => {
  const greeting = await task("greet", async () => {
    console.log(`greeting ${input.name}`);
    return { greeting: `hello ${input.name}` };
  });
  return greeting;
});
