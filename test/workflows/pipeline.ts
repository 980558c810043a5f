// A workflow split into companion modules: a helper imported by relative path, and a
// module script run as a task by its path "pipeline__mod/extract".
import { taskScript, workflow } from "baton-workflows";
import { shape } from "./pipeline__mod/shape.ts";

/** Body starts per tag, kept in the isolate: scripts must not make the consumer replay the body. */
export const starts = ((globalThis as { __pipelineStarts?: Map<string, number> }).__pipelineStarts ??= new Map<string, number>());

export default workflow(async (input: { tag: string; rows: number[] }) => {
  starts.set(input.tag, (starts.get(input.tag) ?? 0) + 1);
  const extracted = await taskScript<number[]>("pipeline__mod/extract", { tag: input.tag, rows: input.rows });
  const doubled = await taskScript<number>("scripts/double", { n: extracted.length, tag: input.tag });
  return shape(extracted, doubled);
});
