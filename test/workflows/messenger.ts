// Starts a notifier child without waiting for its end, then waits for its "done" event;
// or (input.to) sends an event to a run that may not exist and reports the error it catches.
import { currentRun, EventNotDeliveredError, sendEvent, taskFlow, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { value?: number; waitForGo?: boolean; to?: string }) => {
  if (input.to !== undefined) {
    try {
      // "self": the run sends to itself, and takes the kept event with a wait after.
      if (input.to === "self") return { sent: await sendEvent(currentRun().id, "hello", { from: "me" }), kept: await waitForEvent("hello") };
      return { sent: await sendEvent(input.to, "hello", { from: currentRun().id }) };
    } catch (error) {
      const e = error as EventNotDeliveredError;
      return { caught: e.name, isClass: error instanceof EventNotDeliveredError, runId: e.runId, reason: e.reason };
    }
  }
  const { runId } = await taskFlow("notifier", { value: input.value ?? 1, waitForGo: input.waitForGo ?? false }, { start: true });
  const done = await waitForEvent<{ value: number; child: string; parentOfChild: string }>("done", { timeout: 3600 });
  const me = currentRun();
  return { runId, done, me: { id: me.id, workflow: me.workflow, parentId: me.parentId } };
});
