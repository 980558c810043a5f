// Temporal's cancellation-scopes sample, cancelTimer: a timer started in a scope that
// is cancelled before it fires. Here the timer's own signal cancels it.
import { CancelledError, sleep, workflow } from "baton-workflows";

export default workflow(async () => {
  const controller = new AbortController();
  const timer = sleep("timer", "1 hour", { signal: controller.signal });
  await sleep("first", "1 minute");
  controller.abort();
  try {
    await timer;
    return "timer fired";
  } catch (error) {
    return error instanceof CancelledError ? "timer cancelled" : "other error";
  }
});
