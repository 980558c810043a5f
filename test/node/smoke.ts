// Run by test/core/node.test.ts with plain `node` (type stripping, no build step): the
// SDK, baton/testing and baton/client load and work on Node as they are.
import { parallel, sleep, task, workflow } from "baton-workflows";
import { BatonClient } from "baton-workflows/client";
import { runLocally } from "baton-workflows/testing";

const flow = workflow(async (input: { items: number[] }) => {
  const doubled = await parallel(input.items, (n) => task("double", () => n * 2));
  await sleep(7 * 24 * 60 * 60);
  return doubled;
});

const run = await runLocally(flow, { items: [1, 2] }, { replayEveryStep: true, startAt: 0 });
const client = new BatonClient({ baseUrl: "http://localhost:8787", fetch: async () => Response.json({ workflows: [{ name: "x", kind: "workflow", version: "v" }] }) });
console.log(JSON.stringify({ status: run.status, output: run.output, updatedAt: run.updatedAt, workflows: await client.workflows() }));
