// n inline steps: a big run for the console's run page (bench/console.ts).
import { step, workflow } from "baton-workflows";

export default workflow(async (input: { n: number }) => {
  let total = 0;
  for (let i = 0; i < input.n; i++) total += await step(`s${i}`, () => i);
  return total;
});
