// Waits for one approval, then runs one task.
import { task, waitForApproval, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string; timeout?: number }) => {
  const decision = await waitForApproval({
    to: ["ops@example.com"],
    message: `Ship ${input.tag}?`,
    ...(input.timeout === undefined ? {} : { timeout: input.timeout }),
    data: { tag: input.tag },
  });
  const after = await task("after", () => hit(`${input.tag}:after`));
  return { decision, after };
});
