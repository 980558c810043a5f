// A workflow whose code "changes" under runs in flight: the flag `<deploy>:v2`
// stands in for deploying version 2. Version 1 runs task "a" first;
// version 2 runs "x" first, either unguarded ("unsafe") or behind patched().
import { patched, task, waitForApproval, workflow } from "baton-workflows";
import { isOn } from "../hit.ts";

export default workflow(async (input: { deploy: string; style: "unsafe" | "patched" }) => {
  const v2 = isOn(`${input.deploy}:v2`);
  let first: string;
  if (!v2) first = await task("a", () => "a");
  else if (input.style === "unsafe") first = await task("x", () => "x");
  else if (patched("x-first")) first = await task("x", () => "x");
  else first = await task("a", () => "a");
  await waitForApproval("gate");
  const last = await task("b", () => "b");
  return `${first}-${last}`;
});
