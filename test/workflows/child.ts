// A child workflow for taskFlow tests: what it does is chosen by its input.
import { FatalError, sleep, task, waitForApproval, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export interface ChildInput {
  tag: string;
  name: string;
  /** "ok": one task; "fail": a task throws FatalError; "sleep": sleeps an hour first; "approval": waits for one. */
  mode: "ok" | "fail" | "sleep" | "approval";
}

export default workflow(async (input: ChildInput) => {
  if (input.mode === "sleep") await sleep("long", 3600);
  if (input.mode === "approval") await waitForApproval("go", { message: `continue ${input.name}?` });
  return task("work", async () => {
    await hit(`${input.tag}:child:${input.name}`);
    if (input.mode === "fail") throw new FatalError(`child ${input.name} refused`);
    return `${input.name} done`;
  });
});
