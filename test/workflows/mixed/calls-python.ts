// A TypeScript workflow awaiting a script that a worker you run serves (Python in the
// end-to-end tests, a fake worker in workerd), then a task of its own.
import { task, taskScript, workflow } from "baton-workflows";

export default workflow(async (input: { x: number }) => {
  const scored = await taskScript<{ score: number }>("py/score", { x: input.x });
  return task("total", () => ({ total: scored.score + 1 }));
});
