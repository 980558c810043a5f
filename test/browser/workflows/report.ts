// A nightly report: regions fetched in parallel (one fails its first attempt and is
// retried), a pause, then a summary; a run whose page shows every kind of bar.
import { parallel, sleep, step, task, workflow } from "baton-workflows";

export default workflow(async (input: { regions: string[] }) => {
  const since = await step("window", () => ({ from: "2026-11-29", to: "2026-11-30" }));
  const totals = await parallel(input.regions, async (region) =>
    task(
      `fetch ${region}`,
      async ({ attempt }) => {
        console.log(`fetching ${region} for ${since.from}..${since.to}`);
        if (region === "eu" && attempt === 1) {
          console.warn("eu upstream answered 503");
          throw new Error("eu upstream unavailable", { cause: new Error("HTTP 503") });
        }
        return { region, orders: region.length * 120 };
      },
      { retries: { limit: 2, delay: 1 } },
    ),
  );
  await sleep(1);
  return await task("summarise", async () => {
    const orders = totals.reduce((sum, t) => sum + t.orders, 0);
    console.log(`${orders} orders in ${totals.length} regions`);
    return { orders, regions: totals.length };
  });
});
