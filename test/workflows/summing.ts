// A continueAsNew loop: each generation adds its n to the total in a task and goes on as
// a new run until n reaches `stop` (default 5), then returns the total. `gate`: the first
// generation waits for the event "go" before it continues; `hold`: the last waits for "go" before it
// returns; `bad`: generation 1 continues with an input the schema refuses; `inTask`:
// calls continueAsNew from a task closure.
import * as z from "zod";
import { continueAsNew, task, waitForEvent, workflow } from "baton-workflows";

const Input = z.object({
  n: z.number().int(),
  total: z.number(),
  stop: z.optional(z.number().int()),
  gate: z.optional(z.boolean()),
  hold: z.optional(z.boolean()),
  bad: z.optional(z.boolean()),
  inTask: z.optional(z.boolean()),
});

export default workflow(
  async ({ n, total, stop = 5, gate, hold, bad, inTask }) => {
    if (inTask) return task("sneaky", () => continueAsNew({ n, total }), { retries: { limit: 0 } });
    const next = await task("add", () => total + n);
    if (gate) await waitForEvent("go", { timeout: 3600 });
    if (n < stop) return continueAsNew(bad && n === 1 ? { n: "two", total: next } : { n: n + 1, total: next, stop, ...(hold ? { hold } : {}), ...(bad ? { bad } : {}) });
    if (hold) await waitForEvent("go", { timeout: 3600 });
    return next;
  },
  { input: Input },
);
