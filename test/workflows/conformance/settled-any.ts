// Promise.allSettled and Promise.any over tasks that fail and sleeps that win.
import { FatalError, sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  const settled = await Promise.allSettled([
    task("ok", () => 1),
    task("bad", () => {
      throw new FatalError("bad input");
    }),
    sleep("nap", "5 minutes").then(() => "napped"),
  ]);
  const any = await Promise.any([
    task("fails", () => {
      throw new FatalError("no luck");
    }),
    sleep("later", "10 minutes").then(() => "later won"),
  ]);
  return { settled: settled.map((s) => (s.status === "fulfilled" ? (s.value ?? null) : (s.reason as Error).message)), any };
});
