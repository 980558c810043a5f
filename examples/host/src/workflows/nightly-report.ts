// A scheduled workflow: every night at 02:00 UTC it counts, in parallel tasks, and sums.
import { parallel, task, workflow } from "baton-workflows";

export default workflow(
  async (input: { scheduledAt?: string }) => {
    const counts = await parallel([1, 2, 3], (n) => task("count", async () => n * 10));
    return { at: input.scheduledAt ?? null, total: counts.reduce((a, b) => a + b, 0) };
  },
  { schedule: "0 2 * * *" },
);
