// Waits for a person's approval, then publishes.
import { task, waitForApproval, workflow } from "baton-workflows";

export default workflow(async (input: { doc: string }) => {
  const decision = await waitForApproval({ to: ["editor@example.com"], message: `Publish ${input.doc}?` });
  if (!decision.approved) return { published: false };
  return await task("publish", async () => ({ published: true, doc: input.doc }));
});
