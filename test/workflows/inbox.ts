// Sleeps, then takes `n` "ping" events in order and returns their payloads: events sent
// during the sleep wait in the run's inbox.
import { sleep, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { pause: number; n: number }) => {
  await sleep("nap", input.pause);
  const got: unknown[] = [];
  for (let i = 0; i < input.n; i++) got.push(await waitForEvent("ping", { timeout: 3600 }));
  return got;
});
