// Temporal's timer sample: race the order's processing against a timer; when the
// timer wins, tell the customer it is taking longer, then wait for the order anyway.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { orderId: string }) => {
  let processing = true;
  const processOrder = (async () => {
    await sleep("processingTime", "2 hours");
    await task("processOrder", () => `processed ${input.orderId}`);
    processing = false;
  })();
  await Promise.race([processOrder, sleep("timer", "1 hour")]);
  let notified = false;
  if (processing) notified = await task("sendNotificationEmail", () => true);
  await processOrder;
  return { notified, processing };
});
