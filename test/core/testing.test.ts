// baton/testing: runLocally on the production replay machine with a virtual clock.
import { describe, expect, it } from "vitest";
import { FatalError, parallel, patched, script, sleep, step, task, taskFlow, taskScript, waitForApproval, workflow } from "baton-workflows";
import { runLocally } from "baton-workflows/testing";

const DAY = 24 * 60 * 60 * 1000;
const ms = (iso: string | null | undefined): number => Date.parse(iso ?? "");

describe("runLocally", () => {
  it("finishes a 30-day sleep at once; the step shows 30 days of virtual time", async () => {
    const flow = workflow(async (input: { name: string }) => {
      const greeting = await task("greet", () => `hello ${input.name}`);
      await sleep("month", 30 * 24 * 60 * 60);
      return step("done", () => `${greeting}, a month later`);
    });
    const before = Date.now();
    const run = await runLocally(flow, { name: "Ada" }, { startAt: "2026-01-01T00:00:00Z" as unknown as Date });
    expect(Date.now() - before).toBeLessThan(5_000);
    expect(run).toMatchObject({ status: "completed", output: "hello Ada, a month later", error: null, createdAt: "2026-01-01T00:00:00.000Z" });
    const month = run.steps.find((s) => s.key === "month#0");
    expect(month).toMatchObject({ kind: "sleep", status: "completed", startedAt: "2026-01-01T00:00:00.000Z" });
    expect(ms(month?.endedAt) - ms(month?.startedAt)).toBe(30 * DAY);
    expect(run.updatedAt).toBe("2026-01-31T00:00:00.000Z");
  });

  it("retries a failing task with back-off on the virtual clock", async () => {
    const flow = workflow(async () =>
      task(
        "flaky",
        ({ attempt }) => {
          if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
          return attempt;
        },
        { retries: { limit: 4, delay: 10, backoff: "exponential" } },
      ),
    );
    const run = await runLocally(flow, undefined, { startAt: 0 });
    expect(run.output).toBe(3);
    const [flaky] = run.steps;
    expect(flaky).toMatchObject({ status: "completed", attempts: 3 });
    expect(flaky?.history?.map((h) => [h.attempt, ms(h.startedAt), h.error?.message ?? null])).toEqual([
      [1, 0, "attempt 1 failed"],
      [2, 10_000, "attempt 2 failed"],
      [3, 30_000, null],
    ]);
  });

  it("fails the run once retries run out, or at once on FatalError", async () => {
    const flow = workflow(async (input: { fatal: boolean }) =>
      task("always", () => {
        throw input.fatal ? new FatalError("no") : new Error("again");
      }, { retries: { limit: 2, delay: 1 } }),
    );
    const retried = await runLocally(flow, { fatal: false });
    expect(retried).toMatchObject({ status: "failed", error: { name: "Error", message: "again" } });
    expect(retried.steps[0]?.attempts).toBe(3);
    const fatal = await runLocally(flow, { fatal: true });
    expect(fatal).toMatchObject({ status: "failed", error: { name: "FatalError" } });
    expect(fatal.steps[0]?.attempts).toBe(1);
  });

  it("answers approvals with options.approve, which sees the request", async () => {
    const seen: unknown[] = [];
    const flow = workflow(async () => {
      const decision = await waitForApproval("ship", { to: ["ops@example.com"], message: "Ship it?", data: { build: 7 } });
      return decision.approved ? task("deploy", () => "shipped") : "held";
    });
    const run = await runLocally(flow, undefined, {
      approve: (request) => {
        seen.push(request);
        return { approved: true, by: "ada@example.com", comment: "go" };
      },
    });
    expect(run).toMatchObject({ status: "completed", output: "shipped" });
    expect(seen).toEqual([{ key: "ship#0", message: "Ship it?", subject: "Approval needed: Ship it?", to: ["ops@example.com"], data: { build: 7 } }]);
  });

  it("lets an approval answered with null run into its timeout, on the virtual clock", async () => {
    const flow = workflow(async () => (await waitForApproval({ timeout: 3600 })).decision);
    const run = await runLocally(flow, undefined, { approve: () => null, startAt: 0 });
    expect(run.output).toBe("timeout");
    expect(ms(run.steps[0]?.endedAt)).toBe(3_600_000);
  });

  it("rejects with UnansweredApprovalError naming the approval when nothing answers it", async () => {
    const flow = workflow(async () => waitForApproval("budget", { message: "Spend $5k?", to: ["cfo@example.com"] }));
    await expect(runLocally(flow, undefined)).rejects.toMatchObject({
      name: "UnansweredApprovalError",
      message: expect.stringContaining('approval "budget#0" ("Spend $5k?", to cfo@example.com)'),
    });
  });

  it("runs the scripts and flows a test supplies", async () => {
    const child = workflow(async (input: { n: number }) => {
      await sleep(60);
      return task("square", () => input.n * input.n);
    });
    const parent = workflow(async () => {
      const doubled = await taskScript<number>("math/double", { n: 4 });
      const squares = await parallel([2, 3], (n) => taskFlow<number>("math/square", { n }));
      const stubbed = await taskFlow<string>("notify", { to: "ops" });
      return { doubled, squares, stubbed };
    });
    const run = await runLocally(parent, undefined, {
      scripts: { "math/double": script(async (args: { n: number }) => args.n * 2) },
      flows: { "math/square": child, notify: (input: { to: string }) => `notified ${input.to}` },
    });
    expect(run).toMatchObject({ status: "completed", output: { doubled: 8, squares: [4, 9], stubbed: "notified ops" } });
    expect(run.children.map((c) => [c.workflow, c.status, c.output, c.parentId])).toEqual([
      ["math/square", "completed", 4, run.id],
      ["math/square", "completed", 9, run.id],
    ]);
    expect(run.steps.filter((s) => s.kind === "flow").map((s) => s.childId)).toEqual([run.children[0]?.id, run.children[1]?.id, undefined]);
  });

  it("fails a taskScript the test did not supply with a message saying where to supply it", async () => {
    const flow = workflow(async () => taskScript("reports/build", {}));
    const run = await runLocally(flow, undefined);
    expect(run.error).toMatchObject({ name: "ScriptNotFoundError" });
    expect(run.error?.message).toContain("options.scripts");
  });

  it("gives a body that branches on Math.random() the same draws on every replay", async () => {
    const flow = workflow(async () => {
      const lucky = Math.random() < 0.5;
      await task(lucky ? "heads" : "tails", () => 1);
      await sleep(5);
      await task("after", () => 2);
      return { lucky, again: Math.random() };
    });
    for (const replayEveryStep of [false, true]) {
      const run = await runLocally(flow, undefined, { replayEveryStep });
      expect(run.status).toBe("completed");
      expect(run.steps.map((s) => s.key)).toEqual([(run.output as { lucky: boolean }).lucky ? "heads#0" : "tails#0", "sleep#0", "after#0"]);
    }
  });

  it("replayEveryStep passes a replay-safe workflow, with the same results", async () => {
    const flow = workflow(async (input: { items: number[] }) => {
      const stamp = await step("stamp", () => Math.random());
      const doubled = await parallel(input.items, (n) => task("double", () => n * 2), { concurrency: 2 });
      await sleep(5);
      const fresh = patched("sum-v2");
      return { total: doubled.reduce((a, b) => a + b, 0), fresh, stamped: typeof stamp === "number" };
    });
    const plain = await runLocally(flow, { items: [1, 2, 3] });
    const replayed = await runLocally(flow, { items: [1, 2, 3] }, { replayEveryStep: true });
    expect(replayed).toMatchObject({ status: "completed", output: { total: 12, fresh: true, stamped: true } });
    expect(replayed.output).toEqual(plain.output);
    expect(replayed.steps.map((s) => s.key)).toEqual(plain.steps.map((s) => s.key));
  });

  it("replayEveryStep gives every task attempt a fresh closure, as a cold consumer does", async () => {
    const flow = workflow(async () => {
      let tries = 0;
      return task(
        "counting",
        () => {
          tries += 1;
          if (tries < 2) throw new Error("first try fails");
          return tries;
        },
        { retries: { limit: 3, delay: 1 } },
      );
    });
    // A warm copy keeps `tries` across attempts; production cannot promise that.
    expect((await runLocally(flow, undefined)).output).toBe(2);
    const run = await runLocally(flow, undefined, { replayEveryStep: true });
    expect(run).toMatchObject({ status: "failed", error: { message: "first try fails" } });
    expect(run.steps[0]?.attempts).toBe(4);
  });

  it("times a child flow out on the virtual clock and cancels it", async () => {
    const slow = workflow(async () => {
      await sleep(7200);
      return "late";
    });
    const parent = workflow(async () => {
      try {
        return await taskFlow("slow", undefined, { timeout: 60 });
      } catch (error) {
        return (error as Error).name;
      }
    });
    const run = await runLocally(parent, undefined, { flows: { slow } });
    expect(run.output).toBe("TaskTimeoutError");
    expect(run.children[0]?.status).toBe("cancelled");
  });
});

describe("runLocally guard rails", () => {
  it("stops an endless workflow with StepLimitError", async () => {
    const endless = workflow(async () => {
      for (;;) await sleep(1);
    });
    await expect(runLocally(endless, undefined, { maxSteps: 50 })).rejects.toMatchObject({ name: "StepLimitError" });
  });

  it("fails the run with StuckRunError when the workflow awaits something that is not a Baton primitive", async () => {
    const stuck = workflow(async () => {
      await task("first", () => 1);
      await new Promise(() => {});
    });
    for (const replayEveryStep of [false, true]) {
      const run = await runLocally(stuck, undefined, { replayEveryStep });
      expect(run).toMatchObject({ status: "failed", error: { name: "StuckRunError", code: "stuck" } });
      expect(run.error?.message).toContain('after step "first#0"');
      expect(run.error?.message).toContain("not a Baton primitive");
    }
  });
});

describe("runLocally timeouts", () => {
  it("times a hung task out on the virtual clock, retrying it per its policy", async () => {
    const flow = workflow(async () => {
      try {
        await task("hung", ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))), {
          timeout: 30,
          retries: { limit: 1, delay: 5 },
        });
      } catch (error) {
        return (error as Error).name;
      }
    });
    const before = Date.now();
    const run = await runLocally(flow, undefined, { startAt: 0 });
    expect(Date.now() - before).toBeLessThan(5_000);
    expect(run.output).toBe("TaskTimeoutError");
    expect(run.steps[0]?.history?.map((h) => [ms(h.startedAt), ms(h.endedAt), h.error?.name])).toEqual([
      [0, 30_000, "TaskTimeoutError"],
      [35_000, 65_000, "TaskTimeoutError"],
    ]);
  });

  it("times a hung inline step out too", async () => {
    const flow = workflow(async () => step("hung", () => new Promise(() => {}), { timeout: 10, retries: { limit: 0 } }).catch((error: Error) => error.name));
    const run = await runLocally(flow, undefined);
    expect(run.output).toBe("TaskTimeoutError");
  });

  it("lets code that does make progress in real time finish", async () => {
    const flow = workflow(async () =>
      task("slowish", async () => {
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 30));
        return "done";
      }, { timeout: 1 }),
    );
    expect((await runLocally(flow, undefined)).output).toBe("done");
  });
});
