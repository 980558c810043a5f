// race() cancels the loser: an event wait that lost to a timer takes no later event,
// which goes to the next wait instead.
import { race, sleep, waitForEvent, workflow } from "baton-workflows";

export default workflow(async () => {
  const first = await race<unknown>([waitForEvent("go"), sleep("short", "1 hour")]);
  const second = await waitForEvent("go", { timeout: "1 hour" });
  return { first: first ?? null, second };
});
