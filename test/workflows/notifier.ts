// A child started with taskFlow(..., { start: true }): optionally waits for "go", then
// tells its parent "done" with a payload naming itself, and returns what the send answered.
import { currentRun, sendEvent, task, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { value: number; waitForGo?: boolean }) => {
  const me = currentRun();
  if (input.waitForGo) await waitForEvent("go", { timeout: 3600 });
  if (me.parentId === null) throw new Error("notifier runs only as a child");
  // The closure runs in a queue consumer, whose replay of the body got the same facts from its task context.
  const seen = await task("who", () => ({ id: me.id, workflow: me.workflow, parentId: me.parentId, startedAt: me.startedAt.toISOString() }));
  const sent = await sendEvent(me.parentId, "done", { value: input.value * 2, child: me.id, parentOfChild: me.parentId });
  return { sent, workflow: me.workflow, seen, startedAt: me.startedAt.toISOString() };
});
