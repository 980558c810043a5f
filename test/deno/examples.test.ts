// The shipped example workflows under Deno, through baton/testing: the same files
// the Worker deploys, resolved by deno.json's import map, run in memory with a
// virtual clock. `npm test` runs this with the Deno from the `deno` npm package.
import assert from "node:assert/strict";
import { runLocally } from "baton-workflows/testing";
import example from "../../workflows/example.ts";
import etl from "../../workflows/etl.ts";
import extract from "../../workflows/etl__mod/extract.ts";

// data: URLs need no network and no permission.
const json = (value: unknown): string => `data:application/json,${encodeURIComponent(JSON.stringify(value))}`;

Deno.test("example fetches every URL, sleeps a minute of virtual time and saves", async () => {
  const urls = [json({ a: 1 }), json([1, 2, 3])];
  const run = await runLocally(example, { urls }, { startAt: Date.UTC(2026, 0, 1), replayEveryStep: true });
  assert.equal(run.status, "completed", JSON.stringify(run.error));
  assert.deepEqual(run.output, {
    processed: 2,
    results: [
      { url: urls[0], size: 7 },
      { url: urls[1], size: 7 },
    ],
  });
  const sleep = run.steps.find((step) => step.kind === "sleep");
  assert.equal(Date.parse(sleep?.endedAt ?? "") - Date.parse(sleep?.startedAt ?? ""), 60_000);
  assert.deepEqual(
    run.steps.map((step) => step.key),
    ["parallel#0[0]/fetch#0", "parallel#0[1]/fetch#0", "parallel#0[0]/transform#0", "parallel#0[1]/transform#0", "sleep#0", "save#0"],
  );
});

Deno.test("etl extracts each source with its module script and totals the rows", async () => {
  const run = await runLocally(
    etl,
    { sources: [{ csv: "region,amount\neu,3\nus,5" }, { url: `data:text/csv,${encodeURIComponent("region\neu")}` }], groupBy: "region" },
    { scripts: { "etl__mod/extract": extract }, replayEveryStep: true },
  );
  assert.equal(run.status, "completed", JSON.stringify(run.error));
  assert.deepEqual(run.output, { rows: 3, totals: { eu: 2, us: 1 } });
});
