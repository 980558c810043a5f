// test/hello.worker.test.ts — the workflow in the real engine inside workerd: its task
// run through the queue, its sleep skipped with batonTest.
import { env } from "cloudflare:test";
import { batonTest } from "baton-workflows/worker/testing";
import { expect, it } from "vitest";

const baton = batonTest(env);

it("runs hello to completion in the engine", async () => {
  const id = await baton.start("hello", { name: "Ada" });
  await baton.waitFor(id, (run) => run.status === "sleeping");
  await baton.skip(id); // the one-second sleep ends now
  const run = await baton.waitForEnd(id);
  expect(run).toMatchObject({ status: "completed", output: { greeting: "hello, Ada" } });
});
