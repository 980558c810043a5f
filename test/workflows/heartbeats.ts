// One task that runs for `seconds` (real time) with a 1-second heartbeat timeout: only
// the consumer's heartbeats keep its claim alive that long.
import { task, workflow } from "baton-workflows";

export default workflow(async (input: { seconds: number }) =>
  task("slow", () => new Promise<string>((resolve) => setTimeout(() => resolve("done"), input.seconds * 1000)), { heartbeatTimeout: 1 }),
);
