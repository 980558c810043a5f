// A 5 MiB task result (past the 1 MiB a row holds: kept in the BATON_PAYLOADS bucket),
// a sleep in which the dev server may be killed, then a task that reads the result:
// the run returns its length and SHA-256 (with `echo`, the value itself). With `inline`,
// an inline step makes the value instead of a task.
import { sleep, step, task, workflow } from "baton-workflows";

export default workflow(async (input: { mib: number; seconds: number; echo?: boolean; inline?: boolean }) => {
  const make = async () => "0123456789abcdef".repeat((input.mib * 1024 * 1024) / 16);
  const big = input.inline ? await step("make", make) : await task("make", make);
  await sleep("pause", input.seconds);
  if (input.echo) return big;
  return await task("read", async () => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(big)));
    return { length: big.length, sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join("") };
  });
});
