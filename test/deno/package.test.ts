// The package under Deno, through baton-workflows/testing: deno.json's import map
// resolves it to sdk/'s source, and workflows run in memory with a virtual clock
// (parallel tasks, a day-long sleep, a script run by path, a caught FatalError).
// `npm test` runs this with the Deno from the `deno` npm package.
import assert from "node:assert/strict";
import { FatalError, parallel, script, sleep, step, task, taskScript, workflow } from "baton-workflows";
import { runLocally } from "baton-workflows/testing";

// data: URLs need no network and no permission.
const json = (value: unknown): string => `data:application/json,${encodeURIComponent(JSON.stringify(value))}`;

const fetchAll = workflow(async (input: { urls: string[] }) => {
  const results = await parallel(input.urls, async (url) => {
    const data = await task("fetch", async () => (await fetch(url)).json() as Promise<unknown>);
    return await task("measure", async () => ({ url, size: JSON.stringify(data).length }));
  }, { concurrency: 2 });
  await sleep("1 day");
  await task("save", async () => ({ saved: results.length }));
  return results;
});

const parse = script(async (args: { csv?: string }) => {
  if (args.csv === undefined) throw new FatalError("no csv");
  const [head = "", ...lines] = args.csv.split("\n");
  const keys = head.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((value, i) => [keys[i] ?? `c${i}`, value])));
});

const totals = workflow(async (input: { sources: { csv?: string }[] }) => {
  const batches = await parallel(input.sources, (source) => taskScript<Record<string, string>[]>("parse", source));
  const rows = batches.flat();
  return await step("count", () => rows.length);
});

Deno.test("parallel fetches, a day of virtual time and a save, replayed after every step", async () => {
  const urls = [json({ a: 1 }), json([1, 2, 3])];
  const run = await runLocally(fetchAll, { urls }, { startAt: Date.UTC(2026, 0, 1), replayEveryStep: true });
  assert.equal(run.status, "completed", JSON.stringify(run.error));
  assert.deepEqual(run.output, [
    { url: urls[0], size: 7 },
    { url: urls[1], size: 7 },
  ]);
  const slept = run.steps.find((s) => s.kind === "sleep");
  assert.equal(Date.parse(slept?.endedAt ?? "") - Date.parse(slept?.startedAt ?? ""), 86_400_000);
});

Deno.test("a script run by path from a workflow, and its FatalError failing the run without retries", async () => {
  const ok = await runLocally(totals, { sources: [{ csv: "a,b\n1,2\n3,4" }, { csv: "a\n5" }] }, { scripts: { parse }, replayEveryStep: true });
  assert.equal(ok.status, "completed", JSON.stringify(ok.error));
  assert.equal(ok.output, 3);
  const bad = await runLocally(totals, { sources: [{}] }, { scripts: { parse } });
  assert.equal(bad.status, "failed");
  assert.equal(bad.error?.name, "FatalError");
});
