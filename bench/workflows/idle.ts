// Idle: one long sleep between two tasks.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { seconds: number }) => {
  await task("before", () => 1);
  await sleep(input.seconds);
  return task("after", () => 2);
});
