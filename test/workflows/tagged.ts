// A light task on the default queue, a heavy one on its tag's queue, and one with a tag nobody serves.
import { task, workflow } from "baton-workflows";

export default workflow(async () => {
  const light = await task("light", () => "light done");
  const heavy = await task("crunch", () => "heavy done", { tag: "heavy" });
  let unknown: string | null = null;
  try {
    await task("render", () => "never", { tag: "gpu" });
  } catch (error) {
    unknown = `${(error as Error).name}: ${(error as Error).message}`;
  }
  return { light, heavy, unknown };
});
