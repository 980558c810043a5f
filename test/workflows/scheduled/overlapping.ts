// Due every minute with overlap "allow": every tick starts a run, even while earlier ones wait.
import { waitForEvent, workflow, type ScheduledInput } from "baton-workflows";

export default workflow(
  async (input: ScheduledInput) => {
    await waitForEvent("done", { timeout: "1 hour" });
    return { scheduledAt: input.scheduledAt };
  },
  { schedule: "* * * * *", overlap: "allow" },
);
