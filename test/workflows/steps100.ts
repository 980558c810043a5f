// n sequential inline steps; counts how often the workflow body itself starts.
import { step, workflow } from "baton-workflows";
import { tally } from "../hit.ts";

export default workflow(async (input: { tag: string; n?: number }) => {
  tally(`${input.tag}:body`);
  let total = 0;
  for (let i = 0; i < (input.n ?? 100); i++) total += await step(() => i);
  return { total };
});
