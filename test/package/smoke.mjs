// Run from a folder where only the packed `baton` tarball is installed: the package
// imports and runs as plain JavaScript (Node ≥ 22, Deno), no TypeScript, no build.
import { parallel, sleep, task, workflow, FatalError } from "baton-workflows";
import { BatonClient } from "baton-workflows/client";
import { runLocally } from "baton-workflows/testing";

const flow = workflow(async (input) => {
  const doubled = await parallel(input.items, (n) => task("double", () => n * 2));
  await sleep("1 day");
  try {
    await task("refuse", () => {
      throw new FatalError("no", { cause: new Error("because") });
    });
  } catch (error) {
    return { doubled, refused: error instanceof FatalError, cause: error.cause.message };
  }
});

const run = await runLocally(flow, { items: [1, 2] }, { replayEveryStep: true, startAt: 0 });
const client = new BatonClient({ baseUrl: "http://localhost:8787", fetch: async () => Response.json({ workflows: [] }) });
console.log(JSON.stringify({ status: run.status, output: run.output, updatedAt: run.updatedAt, workflows: await client.workflows() }));
