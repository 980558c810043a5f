// eventUrl() where no host signs URLs (runLocally): a FatalError the body can catch,
// recorded once as the eventUrl step; its arguments checked before anything is recorded.
import { describe, expect, it } from "vitest";
import { eventUrl, FatalError, InvalidArgumentError, workflow } from "baton-workflows";
import { runLocally } from "baton-workflows/testing";

describe("eventUrl()", () => {
  it("fails with a FatalError the body sees where no host signs event URLs", async () => {
    const flow = workflow(async () => {
      try {
        return await eventUrl("paid");
      } catch (error) {
        return { name: (error as Error).name, fatal: error instanceof FatalError, message: (error as Error).message };
      }
    });
    const result = await runLocally(flow, undefined);
    expect(result.status).toBe("completed");
    expect(result.output).toMatchObject({ name: "FatalError", fatal: true, message: expect.stringContaining("BATON_SIGNING_KEY") });
    expect(result.steps.find((step) => step.key === "eventUrl#0")).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("checks its name and options in the body", async () => {
    const cases: unknown[][] = [["has space"], ["paid", { expires: -1 }], ["paid", { once: "yes" }], ["paid", { ttl: 5 }], ["paid", null]];
    for (const args of cases) {
      const flow = workflow(async () => {
        try {
          await (eventUrl as (...a: unknown[]) => Promise<string>)(...args);
          return "made";
        } catch (error) {
          return error instanceof InvalidArgumentError ? "refused" : String(error);
        }
      });
      const result = await runLocally(flow, undefined);
      expect([args, result.output]).toEqual([args, "refused"]);
      expect(result.steps).toEqual([]);
    }
  });
});
