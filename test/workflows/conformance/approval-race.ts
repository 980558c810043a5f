// Escalation: a manager's approval raced against an hour; when the hour wins, the
// director decides. The manager's approval is left open and cancelled with the run.
import { sleep, waitForApproval, workflow } from "baton-workflows";

export default workflow(async () => {
  const first = await Promise.race([
    waitForApproval("manager", { message: "Approve the refund?", timeout: "1 day" }).then((decision) => `manager ${decision.decision}`),
    sleep("escalate", "1 hour").then(() => "escalated"),
  ]);
  const director = first === "escalated" ? await waitForApproval("director", { message: "Escalated: approve the refund?" }) : null;
  return { first, director: director?.decision ?? null };
});
