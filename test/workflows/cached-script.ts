// Runs a script with cacheTtl: its args are the cache key, shared by every caller.
import { taskScript, workflow } from "baton-workflows";

export default workflow(async (input: { n: number; tag: string }) => taskScript<number>("scripts/double", input, { cacheTtl: 60 }));
