// Closures that print: a task, a step that fails once before it succeeds, and a task
// that fails with a cause, for the step endpoint's outputs, logs and errors.
import { step, task, workflow } from "baton-workflows";

export default workflow(async (input: { name: string }) => {
  const greeting = await task("greet", () => {
    console.log(`hello ${input.name}`);
    console.warn("careful", { loud: true });
    return { greeting: `hello ${input.name}` };
  });
  const counted = await step("count", ({ attempt }) => {
    console.info(`attempt ${attempt}`);
    if (attempt === 1) throw new Error("not yet");
    return attempt;
  }, { retries: { limit: 1, delay: 0 } });
  let failed = "";
  try {
    await task("refuse", () => {
      console.error("refusing");
      throw new Error("refused", { cause: new Error("policy") });
    }, { retries: { limit: 0 } });
  } catch (error) {
    failed = (error as Error).message;
  }
  return { ...greeting, counted, failed };
});
