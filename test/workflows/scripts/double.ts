// A script: one task's code, run by path with taskScript or POST /api/scripts/scripts/double/runs.
import { FatalError, script } from "baton-workflows";
import { hit } from "../../hit.ts";

export default script(
  async (args: { n: number; tag?: string }) => {
    if (typeof args?.n !== "number") throw new FatalError("double needs {n: number}");
    if (args.tag) await hit(`${args.tag}:double:${args.n}`);
    return args.n * 2;
  },
  { retries: { limit: 0 } },
);
