// A sign-off: waits for a person's approval (a link in an email, or the console), then
// records the decision.
import { task, waitForApproval, workflow } from "baton-workflows";

export default workflow(async (input: { release: string }) => {
  const decision = await waitForApproval({ to: ["release@example.com"], message: `Ship ${input.release}?` });
  await task("record", async () => ({ release: input.release, approved: decision.approved }));
  return { approved: decision.approved, by: decision.by ?? null };
});
