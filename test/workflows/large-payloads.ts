// Values past the 1 MiB a row holds, kept in BATON_PAYLOADS: a task makes `mib` MiB
// of text, the run sleeps (an eviction may come), a task and an inline step read it,
// and the run returns its length and SHA-256. With `tooLarge`, the body catches the
// error of a value that large and returns its name and message; with `echo`, the run
// returns its `mib` MiB (or its input's `text`) as its output; with `child`, it returns
// what a child run echoing that much returned, measured; with `measure`, a task measures
// its input's `text`; with `events`, it waits for that many "big" events and measures them.
import { sleep, step, task, taskFlow, waitForEvent, workflow } from "baton-workflows";

/** `mib` MiB of text that is not one repeated character, so a cut or shuffled copy shows. */
export function bigText(mib: number): string {
  const line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"; // 64 characters
  return line.repeat(Math.floor((mib * 1024 * 1024) / line.length)).slice(0, mib * 1024 * 1024 - 5) + "<end>";
}

/** The hex SHA-256 of `text`'s UTF-8. */
export async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export default workflow(async (input: { mib: number; pause?: number; tooLarge?: number; echo?: boolean; text?: string; child?: boolean; measure?: boolean; events?: number }) => {
  if (input.echo) return input.text ?? bigText(input.mib);
  if (input.measure) {
    await sleep(input.pause ?? 0);
    return await task("measure", async () => ({ length: input.text?.length ?? 0, hash: await sha256(input.text ?? "") }));
  }
  if (input.events !== undefined) {
    await sleep(input.pause ?? 0);
    const measured: { length: number; hash: string }[] = [];
    for (let i = 0; i < input.events; i++) {
      const payload = await waitForEvent<{ text: string }>("big", { timeout: 3600 });
      measured.push(await task("measure", async () => ({ length: payload.text.length, hash: await sha256(payload.text) })));
    }
    return measured;
  }
  if (input.child) {
    const text = await taskFlow<string>("large-payloads", { mib: input.mib, echo: true });
    return { length: text.length, same: text === bigText(input.mib) };
  }
  if (input.tooLarge !== undefined) {
    try {
      await task("too-large", async () => "x".repeat(input.tooLarge ?? 0));
      return { refused: null };
    } catch (error) {
      return { refused: { name: (error as Error).name, message: (error as Error).message } };
    }
  }
  const big = await task("make", async () => bigText(input.mib));
  await sleep(input.pause ?? 0);
  const read = await task("read", async () => ({ length: big.length, hash: await sha256(big) }));
  const shouted = await step("shout", async () => big.toUpperCase());
  const again = await task("again", async () => ({ length: shouted.length, hash: await sha256(shouted) }));
  return { read, again, same: big === bigText(input.mib) };
});
