// The demo etl workflow and its companion script, over the API as the README shows them.
// The demo's own test: removing workflows/ removes it with the demo.
import { describe, expect, it } from "vitest";
import { api, startRun, waitForRun } from "../test/worker/helpers.ts";

describe("shipped examples", () => {
  it("etl extracts each source with its module script and totals the rows", async () => {
    const id = await startRun("etl", {
      sources: [{ csv: "region,amount\neu,3\nus,5\neu,7" }, { csv: "region,amount\napac,1" }],
      groupBy: "region",
    });
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: { rows: 4, totals: { eu: 2, us: 1, apac: 1 } } });
    expect(run.steps.filter((step) => step.kind === "task").map((step) => step.name)).toEqual(["etl__mod/extract", "etl__mod/extract"]);
  });

  it("etl's extract script runs on its own over the API, and a bad source fails at once", async () => {
    const ok = await api("/api/scripts/etl__mod/extract/runs", { method: "POST", json: { args: { csv: "a,b\n1,2" } } });
    expect((await waitForRun(((await ok.json()) as { id: string }).id)).output).toEqual([{ a: "1", b: "2" }]);
    const bad = await api("/api/scripts/etl__mod/extract/runs", { method: "POST", json: { args: {} } });
    const run = await waitForRun(((await bad.json()) as { id: string }).id);
    expect(run).toMatchObject({ status: "failed", error: { name: "FatalError" } });
    expect(run.steps[0]?.attempts).toBe(1);
  });
});
