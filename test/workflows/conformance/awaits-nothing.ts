// The body awaits a promise no Baton primitive will ever settle.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  await task("first", () => 1);
  await sleep("pause", "1 minute");
  await new Promise(() => {});
  return "never";
});
