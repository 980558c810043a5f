// Due at 06:00 on May 1st, "skip" overlap: its run continues as new at once, and the
// successor waits for "done", so a tick meanwhile finds the chain still going.
import { continueAsNew, waitForEvent, workflow, type ScheduledInput } from "baton-workflows";

export default workflow(
  async (input: ScheduledInput & { second?: boolean }) => {
    if (!input.second) return continueAsNew({ ...input, second: true });
    await waitForEvent("done", { timeout: "1 hour" });
    return { scheduledAt: input.scheduledAt };
  },
  { schedule: "0 6 1 5 *" },
);
