// n tasks that each hold until their signal aborts (the run is cancelled, or they time out), noting that they started.
import { parallel, task, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string; n: number }) =>
  parallel(
    Array.from({ length: input.n }, (_, i) => i),
    (i) =>
      task(
        "hold",
        async ({ signal }) => {
          await hit(`${input.tag}:held:${i}`);
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          return i;
        },
        { timeout: 600, retries: { limit: 0 } },
      ),
  ),
);
