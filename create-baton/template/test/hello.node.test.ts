// test/hello.node.test.ts — the same in memory, on Node's and Deno's own test runners
// (node:test and node:assert, which both provide).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runLocally } from "baton-workflows/testing";
import hello from "../workflows/hello.ts";

test("hello greets, sleeps and returns the greeting", async () => {
  const run = await runLocally(hello, { name: "Ada" }, { replayEveryStep: true });
  assert.equal(run.status, "completed");
  assert.deepEqual(run.output, { greeting: "hello, Ada" });
});
