// A failing task caught by the workflow, a result that is not JSON, then optionally an uncaught error.
import { step, task, workflow } from "baton-workflows";

class QuotaError extends Error {
  override name = "QuotaError";
}

export default workflow(async (input: { rethrow?: boolean }) => {
  let caught: { name: string; message: string } | null = null;
  try {
    await task(
      "charge",
      async () => {
        throw new QuotaError("quota exceeded for account 42");
      },
      { retries: { limit: 0 } },
    );
  } catch (error) {
    caught = { name: (error as Error).name, message: (error as Error).message };
  }
  let notJson: { name: string; message: string } | null = null;
  try {
    await step("when", () => new Date(0));
  } catch (error) {
    notJson = { name: (error as Error).name, message: (error as Error).message };
  }
  if (input.rethrow) throw new TypeError("the workflow gave up");
  return { caught, notJson };
});
