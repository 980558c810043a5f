// A task that runs until its signal aborts, noting in the Probe that it saw the abort.
import { task, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string }) => {
  return task("wait-for-abort", async ({ signal }) => {
    await hit(`${input.tag}:started`);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await hit(`${input.tag}:aborted:${(signal.reason as { name?: string } | undefined)?.name ?? "unknown"}`);
    return "aborted";
  }, { timeout: 60, retries: { limit: 0 } });
});
