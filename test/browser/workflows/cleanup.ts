// A long task whose finally block runs a cleanup task: what a cancel during the task must run.
import { task, workflow } from "baton-workflows";

export default workflow(async (input: { seconds: number }) => {
  try {
    return await task("long", async ({ signal }) => {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, input.seconds * 1000);
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve(null);
          },
          { once: true },
        );
      });
      return "finished";
    });
  } finally {
    await task("cleanup", async () => "cleaned up");
  }
});
