// Baton's own errors are themselves again in the body (instanceof works), and a
// thrown non-Error arrives as a predictable Error.
import { BatonError, FatalError, sleep, task, TaskTimeoutError, workflow } from "baton-workflows";

export default workflow(async () => {
  const seen: Record<string, unknown> = {};
  try {
    await task("fatal", () => {
      throw new FatalError("the account is closed");
    });
  } catch (err) {
    seen.fatal = [err instanceof FatalError, err instanceof BatonError, (err as FatalError).code];
  }
  try {
    await task("hangs", ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))), { timeout: "1 second", retries: { limit: 0 } });
  } catch (err) {
    seen.timeout = err instanceof TaskTimeoutError;
  }
  await sleep("pause", "1 minute");
  try {
    await task("throws-string", () => {
      throw "plain string";
    }, { retries: { limit: 0 } });
  } catch (err) {
    seen.string = [err instanceof Error, (err as Error).message, (err as { value?: unknown }).value];
  }
  try {
    await task("throws-object", () => {
      throw { reason: "nope" };
    }, { retries: { limit: 0 } });
  } catch (err) {
    seen.object = [err instanceof Error, (err as Error).message, (err as { value?: unknown }).value];
  }
  return seen;
});
