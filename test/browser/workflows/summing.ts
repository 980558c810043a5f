// A continueAsNew loop of six runs: each adds its n to the total in a task and goes on as
// a new run until n is 5, then returns the total (0 + 1 + … + 5 = 15).
import * as z from "zod";
import { continueAsNew, task, workflow } from "baton-workflows";

export default workflow(
  async ({ n, total }) => {
    const next = await task("add", async () => total + n);
    if (n < 5) return continueAsNew({ n: n + 1, total: next });
    return next;
  },
  { input: z.object({ n: z.number().int(), total: z.number() }) },
);
