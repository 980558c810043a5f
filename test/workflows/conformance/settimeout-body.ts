// A naive port of Temporal's sleep(ms): a bare setTimeout in the body.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  await task("first", () => 1);
  await sleep("pause", "1 minute");
  await new Promise((resolve) => setTimeout(resolve, 50));
  return task("second", () => 2);
});
