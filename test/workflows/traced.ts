// For the trace tests: a task and an inline step that return the traceparent their
// closure saw, a short sleep, optionally a wait for the event "go" (to evict the run
// object mid-run), then one more task.
import { sleep, step, task, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { wait?: boolean }) => {
  const first = await task("first", ({ traceparent }) => traceparent);
  const inline = await step("inline", ({ traceparent }) => traceparent);
  await sleep("nap", 0.05);
  if (input.wait) await waitForEvent("go", { timeout: 3600 });
  const second = await task("second", ({ traceparent }) => traceparent);
  return { first, inline, second };
});
