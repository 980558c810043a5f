// The demo workflow against the real engine, tested the way the README's "Testing your
// workflows" shows: batonTest(env) starts the run, skips its one-minute sleep, and waits
// for the end. Outbound fetches are answered by the test config's outboundService, which
// echoes the URL. The demo's own test: removing workflows/ removes it with the demo.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batonTest } from "baton-workflows/worker/testing";

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

