// A signed event URL: made once (the same URL after any replay), announced through a
// task's output as a real workflow would hand it to a payment provider, then the run
// waits for the provider's POST to it and returns what arrived.
import { eventUrl, task, waitForEvent, workflow, type EventUrlDelivery } from "baton-workflows";

export default workflow(async (input: { once?: boolean; deliveries?: number } = {}) => {
  const url = await eventUrl("paid", input.once === undefined ? {} : { once: input.once });
  await task("announce", async () => url);
  const deliveries: EventUrlDelivery[] = [];
  for (let n = 0; n < (input.deliveries ?? 1); n++) deliveries.push(await waitForEvent<EventUrlDelivery>("paid", { timeout: 3600 }));
  return { url, deliveries };
});
