// A TypeScript workflow awaiting a Python script (py/score), then a task of its own.
import { task, taskScript, workflow } from "baton-workflows";

export default workflow(async (input: { x: number }) => {
  const scored = await taskScript<{ score: number }>("py/score", { x: input.x });
  return task("total", () => ({ total: scored.score + 1 }));
});
