// A module script: fetches (or takes) CSV text and parses it into rows. Registered as
// "etl__mod/extract", so any workflow can run it with taskScript, and it can be run
// on its own with POST /api/scripts/etl__mod/extract/runs.
import { FatalError, script } from "baton-workflows";
import { parseCsv, type Row } from "./transform.ts";

export default script(
  async (source: { url?: string; csv?: string }, { signal }): Promise<Row[]> => {
    if (typeof source?.csv === "string") return parseCsv(source.csv);
    if (typeof source?.url !== "string") throw new FatalError('extract takes {"url": "..."} or {"csv": "..."}');
    const response = await fetch(source.url, { signal });
    // A 4xx will not get better on a retry; anything else might.
    if (response.status >= 400 && response.status < 500) throw new FatalError(`GET ${source.url} answered ${response.status}`);
    if (!response.ok) throw new Error(`GET ${source.url} answered ${response.status}`);
    return parseCsv(await response.text());
  },
  { retries: { limit: 3, delay: 2 }, timeout: 60 },
);
