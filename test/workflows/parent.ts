// A parent workflow for taskFlow tests: children in parallel, a caught child failure,
// or one child chosen by the input.
import { parallel, task, taskFlow, workflow } from "baton-workflows";
import type { ChildInput } from "./child.ts";

export default workflow(async (input: { tag: string; children: ChildInput["mode"][]; catch?: boolean; timeout?: number }) => {
  const options = input.timeout === undefined ? {} : { timeout: input.timeout };
  const results = await parallel(input.children, async (mode, i) => {
    const child: ChildInput = { tag: input.tag, name: `c${i}`, mode };
    if (!input.catch) return taskFlow<string>("child", child, options);
    try {
      return await taskFlow<string>("child", child, options);
    } catch (error) {
      const { name, code, message } = error as { name: string; code?: string; message: string };
      return { caught: name, code, message };
    }
  });
  const summary = await task("summary", () => results.length);
  return { results, summary };
});
