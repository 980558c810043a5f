// A scheduled workflow: due every minute; each run records the minute it was due for.
import { step, workflow, type ScheduledInput } from "baton-workflows";

export default workflow(
  async (input: ScheduledInput) => step("beat", async () => ({ beat: input.scheduledAt })),
  { schedule: "* * * * *" },
);
