// Waits for events: one sent before the wait (kept), one during it, one that never
// comes (its EventTimeoutError caught), then sleeps until a time given by the input.
import { EventTimeoutError, sleep, sleepUntil, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { pause: number; wakeAt?: string; timeout?: number }) => {
  await sleep(input.pause);
  const first = await waitForEvent<{ n: number }>("ping", { timeout: 3600 });
  const second = await waitForEvent<{ n: number }>("ping", { timeout: 3600 });
  let missing: string;
  try {
    missing = JSON.stringify(await waitForEvent("never", { timeout: input.timeout ?? 1 }));
  } catch (error) {
    missing = error instanceof EventTimeoutError ? `timed out: ${error.message}` : `unexpected ${String(error)}`;
  }
  // A time already past returns at once; a later one sleeps.
  await sleepUntil(new Date(Date.now() - 60_000));
  if (input.wakeAt) await sleepUntil("until", input.wakeAt);
  return { first, second, missing, at: new Date().toISOString() };
});
