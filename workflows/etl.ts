// A workflow split into companion modules (workflows/etl__mod/): it extracts each
// source with a module script run as its own task, then totals the rows in a step.
//   extract.ts   – a script (default export script(...)), run by taskScript("etl__mod/extract", ...)
//   transform.ts – plain helpers, imported by relative path; never registered
import { parallel, step, taskScript, workflow } from "baton-workflows";
import { totalsBy, type Row } from "./etl__mod/transform.ts";

interface Input {
  /** Where the data comes from: a URL serving CSV, or the CSV text itself. */
  sources: ({ url: string } | { csv: string })[];
  /** The column to total by; defaults to the first one. */
  groupBy?: string;
}

export default workflow(async (input: Input) => {
  const batches = await parallel(input.sources, (source) => taskScript<Row[]>("etl__mod/extract", source), { concurrency: 4 });
  const rows = batches.flat();
  const totals = await step("totals", () => totalsBy(rows, input.groupBy));
  return { rows: rows.length, totals };
});
