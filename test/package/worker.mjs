// A Worker importing the packed `baton` package: it must bundle with wrangler.
import { workflow, task } from "baton-workflows";
import { Execution } from "baton-workflows/engine";

const flow = workflow(async () => task("t", () => 1));
export default { fetch: () => new Response(`${typeof flow.run} ${typeof Execution}`) };
