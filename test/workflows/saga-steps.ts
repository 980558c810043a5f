// A saga whose compensations misbehave: an inline step's rollback fails its first
// attempt (then succeeds on its retry), a task's rollback fails every attempt; the body
// then fails. Each attempt counts itself in the Probe (`<tag>:<what>:<attempt>`).
import { step, task, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string }) => {
  await step("reserve", () => "seat 4A", {
    retries: { limit: 2, delay: 1, backoff: "constant" },
    rollback: async ({ output, ctx }) => {
      await hit(`${input.tag}:free:${ctx.attempt}`);
      if (ctx.attempt === 1) throw new Error("seat service down");
      return `freed ${String(output)}`;
    },
  });
  await task("charge", () => "ch_1", {
    rollback: {
      fn: async ({ ctx }) => {
        await hit(`${input.tag}:refund:${ctx.attempt}`);
        throw new Error("refunds are closed");
      },
      retries: { limit: 1, delay: 1, backoff: "constant" },
    },
  });
  throw new Error("shipping failed");
});
