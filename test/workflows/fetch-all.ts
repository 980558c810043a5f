// Fetches every URL and measures each in parallel tasks, waits, saves: the shape of the demo workflow, as the tests' own fixture.
import { parallel, sleep, task, workflow } from "baton-workflows";

interface Input {
  urls: string[];
  /** Seconds to wait before saving; defaults to 60. */
  pause?: number;
}

export default workflow(async (input: Input) => {
  const out = await parallel(
    input.urls,
    async (url) => {
      const data = await task("fetch", async () => (await fetch(url)).json() as Promise<unknown>);
      return await task("transform", async () => ({ url, size: JSON.stringify(data).length }));
    },
    { concurrency: 5 },
  );
  await sleep(input.pause ?? 60);
  await task("save", async () => ({ saved: out.length }));
  return { processed: out.length, results: out };
});
