// .then, .catch and .finally callbacks that record what happened, in the order it happened.
import { FatalError, sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  const events: string[] = [];
  const quick = task("quick", () => "q").then((value) => {
    events.push(`quick:${value}`);
  });
  const failing = sleep("gap", "10 minutes")
    .then(() =>
      task("failing", () => {
        throw new FatalError("card declined");
      }),
    )
    .catch((error: Error) => {
      events.push(`caught:${error.message}`);
    })
    .finally(() => {
      events.push("finally");
    });
  const slow = sleep("slow", "1 hour").then(() => {
    events.push("slept");
  });
  await Promise.all([quick, failing, slow]);
  return events;
});
