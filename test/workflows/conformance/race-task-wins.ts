// A task raced against a timeout it beats; the timer left open is cancelled with the run.
// The pause is where a host restart finds the run.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  const result = await Promise.race([task("fetchQuote", () => 42), sleep("timeout", "1 hour").then(() => "timed out")]);
  await sleep("pause", "1 minute");
  const recorded = await task("record", () => `quote ${String(result)}`);
  return { result, recorded };
});
