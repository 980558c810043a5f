// Returns arrays nested `depth` deep from a step or a task: too deep for a checkpoint.
import { step, task, workflow } from "baton-workflows";

function nested(depth: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

export default workflow(async (input: { in: "step" | "task"; depth: number }) => {
  const value = input.in === "step" ? await step("deep", async () => nested(input.depth)) : await task("deep", async () => nested(input.depth));
  return { ok: value !== undefined };
});
