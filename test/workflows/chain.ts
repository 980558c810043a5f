// n sequential tasks; counts how often the workflow body starts, wherever it runs.
import { task, workflow } from "baton-workflows";
import { tally } from "../hit.ts";

export default workflow(async (input: { tag: string; n: number }) => {
  tally(`${input.tag}:body`);
  let total = 0;
  for (let i = 0; i < input.n; i++) total += await task(`t${i}`, () => i);
  return total;
});
