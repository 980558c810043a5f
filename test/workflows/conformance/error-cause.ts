// Inngest's error example and a card decline: what a catch block reads from an error
// thrown in a step or a task — its cause, its code and its own fields.
import { sleep, step, task, workflow } from "baton-workflows";

export default workflow(async () => {
  let cause = "";
  try {
    await step("risky", () => {
      throw new Error("Oh no!", { cause: new Error("This is the cause") });
    }, { retries: { limit: 0 } });
  } catch (err) {
    cause = ((err as Error).cause as Error).message;
  }
  await sleep("pause", "1 minute");
  let declined: Record<string, unknown> = {};
  try {
    await task("charge", () => {
      throw Object.assign(new Error("Your card was declined."), { name: "CardError", code: "card_declined", declineCode: "insufficient_funds", details: { last4: "4242" } });
    }, { retries: { limit: 0 } });
  } catch (err) {
    const e = err as Error & { code?: string; declineCode?: string; details?: unknown };
    declined = { name: e.name, message: e.message, code: e.code, declineCode: e.declineCode, details: e.details };
  }
  let depth = 0;
  try {
    await task("deep", () => {
      let error = new Error("level 0");
      for (let i = 1; i < 6; i++) error = new Error(`level ${i}`, { cause: error });
      throw error;
    }, { retries: { limit: 0 } });
  } catch (err) {
    for (let e: unknown = err; e instanceof Error; e = e.cause) depth += 1;
  }
  return { cause, declined, depth };
});
