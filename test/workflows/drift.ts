// Branches on state outside the body (a flag a test flips): the classic non-determinism bug.
import { sleep, task, workflow } from "baton-workflows";
import { isOn } from "../hit.ts";

export default workflow(async (input: { tag: string; pause?: number }) => {
  const renamed = isOn(`${input.tag}:renamed`);
  await task(renamed ? "b" : "a", () => 1);
  await sleep("nap", input.pause ?? 1);
  return task("c", () => 2);
});
