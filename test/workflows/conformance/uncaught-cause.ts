// An uncaught error with a cause fails the run with both, as the task threw them.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  await task("first", () => 1);
  await sleep("pause", "1 minute");
  return task("charge", () => {
    throw Object.assign(new Error("Oh no!", { cause: new RangeError("This is the cause") }), { code: "charge_failed", attempt: 1 });
  }, { retries: { limit: 0 } });
});
