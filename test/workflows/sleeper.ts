// Sleeps, then finishes with one task.
import { sleep, task, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string; seconds: number }) => {
  await sleep(input.seconds);
  await task("after", () => hit(`${input.tag}:after`));
  return "woke";
});
