// Due at 09:30 in Berlin on weekdays, whatever UTC says (CET in winter, CEST in summer).
import { step, workflow, type ScheduledInput } from "baton-workflows";

export default workflow(
  async (input: ScheduledInput) => step("report", async () => ({ scheduledAt: input.scheduledAt })),
  { schedule: "30 9 * * 1-5", timezone: "Europe/Berlin" },
);
