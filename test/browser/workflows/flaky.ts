// A task that fails its first attempt and succeeds on the retry, between two others.
import { task, workflow } from "baton-workflows";

export default workflow(async () => {
  const before = await task("before", async () => 1);
  const flaky = await task(
    "flaky",
    async ({ attempt }) => {
      if (attempt === 1) throw new Error("not yet");
      return attempt;
    },
    { retries: { limit: 2, delay: 0.1, backoff: "constant" } },
  );
  return await task("after", async () => before + flaky);
});
