// A TypeScript workflow whose middle task runs on a worker you run in Node (`npx baton
// worker --queue node`), not in the Worker: the task says where it ran.
import { task, workflow } from "baton-workflows";

export default workflow(async (input: { n: number }) => {
  const here = await task("here", () => navigator.userAgent);
  const there = await task("there", () => ({ agent: navigator.userAgent, squared: input.n * input.n }), { queue: "node" });
  return { here, there };
});
