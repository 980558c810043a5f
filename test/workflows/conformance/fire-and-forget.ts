// Inngest's polling example: a deadline started and never awaited flips a flag that
// ends the polling loop.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async () => {
  let timedOut = false;
  void sleep("deadline", "1 hour").then(() => {
    timedOut = true;
  });
  let polls = 0;
  let status = "pending";
  while (!timedOut) {
    polls += 1;
    const count = polls;
    status = await task("poll", () => (count >= 100 ? "done" : "pending"));
    if (status === "done") break;
    await sleep("interval", "25 minutes");
  }
  return { polls, timedOut, status };
});
