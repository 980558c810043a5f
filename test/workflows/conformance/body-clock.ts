// The body's clock is recorded: a replay (rebuilt while the run sleeps, or a consumer
// reaching a task) reads the time the first run read.
import { sleep, step, task, workflow } from "baton-workflows";

export default workflow(async () => {
  const started = Date.now();
  const iso = new Date().toISOString();
  const stamped = await step("stamp", () => started);
  await sleep("wait", "1 hour");
  const woke = Date.now();
  const echoed = await task("echo", () => ({ started, iso }));
  return { stamped: stamped === started, echoed: echoed.started === started && echoed.iso === iso, forward: woke >= started };
});
