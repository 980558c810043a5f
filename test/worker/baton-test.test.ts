// batonTest(env), the README's kit for workerd tests: skip makes a wait due at once
// (an approval's timeout, a retry's back-off) and answers what it skipped; decide
// decides the first approval once it waits.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batonTest } from "baton-workflows/worker/testing";

const baton = batonTest(env);

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
