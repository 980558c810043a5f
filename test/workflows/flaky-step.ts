// Inline steps that fail before succeeding, or run past their timeout.
import { step, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string; failures: number; delay?: number; slow?: boolean }) => {
  const value = await step(
    "flaky",
    async ({ attempt }) => {
      await hit(`${input.tag}:step`);
      if (attempt <= input.failures) throw new TypeError(`step attempt ${attempt} failed`);
      return attempt;
    },
    { retries: { limit: 3, delay: input.delay ?? 0.05, backoff: "constant" } },
  );
  let timedOut: string | null = null;
  if (input.slow) {
    try {
      await step("slow", ({ signal }) => new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve("late"))), {
        timeout: 0.1,
        retries: { limit: 0 },
      });
    } catch (error) {
      timedOut = (error as Error).name;
    }
  }
  return { value, timedOut };
});
