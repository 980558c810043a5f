// A complete test of the shipped example workflow against the real engine, written
// the way the README's "Testing your workflows" shows: batonTest(env) starts the run,
// skips its one-minute sleep, and waits for the end. Outbound fetches are answered by
// the test config's outboundService, which echoes the URL.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batonTest } from "../../src/testing/workerd.ts";

const baton = batonTest(env);

describe("workflows/example.ts", () => {
  it("fetches and transforms every URL, sleeps a minute (skipped) and saves", async () => {
    const urls = ["https://data.example/a.json", "https://data.example/b.json"];
    const id = await baton.start("example", { urls });
    const sleeping = await baton.waitFor(id, (run) => run.status === "sleeping");
    expect(sleeping.steps.filter((step) => step.name === "transform" && step.status === "completed")).toHaveLength(2);
    expect(await baton.skip(id)).toEqual(["sleep#0"]);
    const run = await baton.waitForEnd(id);
    expect(run.status).toBe("completed");
    // Each "fetch" got the stand-in's echo, {url, fake: true}; "transform" measured it.
    expect(run.output).toEqual({ processed: 2, results: urls.map((url) => ({ url, size: JSON.stringify({ url, fake: true }).length })) });
    expect(run.steps.map((step) => step.key)).toEqual([
      "parallel#0[0]/fetch#0",
      "parallel#0[1]/fetch#0",
      "parallel#0[0]/transform#0",
      "parallel#0[1]/transform#0",
      "sleep#0",
      "save#0",
    ]);
  });
});

describe("batonTest helpers", () => {
  it("skip times an approval out at once; decide answers another", async () => {
    const timedOut = await baton.start("approval", { tag: crypto.randomUUID() });
    await baton.waitFor(timedOut, (run) => run.status === "waiting");
    expect(await baton.skip(timedOut)).toEqual(["approval#0"]);
    expect((await baton.waitForEnd(timedOut)).output).toMatchObject({ decision: { approved: false, decision: "timeout" } });

    const approved = await baton.start("approval", { tag: crypto.randomUUID() });
    expect(await baton.decide(approved, { approved: true, by: "ada@example.com" })).toMatchObject({ status: "decided", result: { decision: "approved" } });
    expect((await baton.waitForEnd(approved)).output).toMatchObject({ decision: { approved: true, by: "ada@example.com" } });
  });

  it("skip starts a retry at once instead of after its back-off", async () => {
    const id = await baton.start("backoff", { tag: crypto.randomUUID() });
    const retrying = await baton.waitFor(id, (run) => run.steps[0]?.status === "retrying");
    expect(Date.parse(retrying.steps[0]?.wakeAt ?? "") - Date.now()).toBeGreaterThan(60 * 60 * 1000);
    expect(await baton.skip(id, "flaky#0")).toEqual(["flaky#0"]);
    const run = await baton.waitForEnd(id);
    expect(run).toMatchObject({ status: "completed", output: 2 });
    expect(run.steps[0]?.attempts).toBe(2);
  });

  it("skip answers nothing for a run that waits for nothing it can skip", async () => {
    const id = await baton.start("nested/hello", { name: "Ada" });
    await baton.waitForEnd(id);
    expect(await baton.skip(id)).toEqual([]);
  });
});
