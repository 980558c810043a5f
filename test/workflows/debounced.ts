// A workflow started with debounce or singleton options: one counted task, and the
// input it ran with as its output (and when the run says it started), so a test sees
// which start's input the run took.
import { currentRun, task, workflow } from "baton-workflows";
import * as z from "zod";
import { hit } from "../hit.ts";

const Input = z.object({ tag: z.string(), n: z.number().int() });

export default workflow(
  async (input) => {
    await task("ran", () => hit(`${input.tag}:ran`));
    return { ...input, startedAt: currentRun().startedAt.toISOString() };
  },
  { input: Input },
);
