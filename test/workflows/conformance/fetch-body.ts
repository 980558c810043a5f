// fetch() in the body instead of in a task.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  await task("first", () => 1);
  await sleep("pause", "1 minute");
  const response = await fetch("https://example.com/status");
  return response.status;
});
