// Due every minute; "skip" (the default) overlap. Each run stays active until it gets
// the "done" event, so a tick while it waits shows what skip does.
import { waitForEvent, workflow, type ScheduledInput } from "baton-workflows";

export default workflow(
  async (input: ScheduledInput) => {
    await waitForEvent("done", { timeout: "1 hour" });
    return { scheduledAt: input.scheduledAt };
  },
  { schedule: "* * * * *" },
);
