// test/hello.local.test.ts — the workflow's logic in memory (runLocally): the same engine,
// a virtual clock, no Worker.
import { runLocally } from "baton-workflows/testing";
import { expect, it } from "vitest";
import hello from "../workflows/hello.ts";

it("greets, sleeps and returns the greeting", async () => {
  const run = await runLocally(hello, { name: "Ada" }, { replayEveryStep: true });
  expect(run.status).toBe("completed");
  expect(run.output).toEqual({ greeting: "hello, Ada" });
});
