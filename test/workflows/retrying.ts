// Tasks that fail before succeeding, fail fatally, or run past their timeout.
import { FatalError, task, workflow } from "baton-workflows";
import { count, hit } from "../hit.ts";

export default workflow(async (input: { tag: string; failures: number; fatal?: boolean; slow?: boolean }) => {
  const flaky = await task(
    "flaky",
    async ({ attempt }) => {
      await hit(`${input.tag}:flaky`);
      if (input.fatal) throw new FatalError("the account is closed");
      if (attempt <= input.failures) throw new TypeError(`attempt ${attempt} failed`);
      return attempt;
    },
    { retries: { limit: 3, delay: 0.05, backoff: "constant" } },
  );
  let slow: string | null = null;
  if (input.slow) {
    try {
      await task(
        "slow",
        async ({ signal }) => {
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
          await hit(`${input.tag}:aborted`);
          return "finished anyway";
        },
        { timeout: 0.2, retries: { limit: 0 } },
      );
    } catch (error) {
      slow = (error as Error).name;
    }
  }
  return { flaky, slow, aborted: await task("count", () => count(`${input.tag}:aborted`)) };
});
