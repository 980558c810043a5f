// A run that sleeps and waits for an event at once, after a task whose name holds the
// characters a step key escapes, and a child flow at a nested path: what run detail
// says it waits on, and the step route taking each key as listed.
import { sleep, task, taskFlow, waitForEvent, workflow } from "baton-workflows";

export default workflow(async () => {
  await task("a/b #1 at 50% [x]", () => "odd name");
  const child = await taskFlow<string>("nested/hello", { name: "keys" });
  const [, event] = await Promise.all([sleep("nap", 3600), waitForEvent<string>("go", { timeout: 7200 })]);
  return { child, event };
});
