// Temporal's timer race with real work: a task that takes `taskMs` of real time against
// a one-second timer. The timer wins over a slower task (the customer is notified), a
// faster task wins over the timer, on every host alike: runLocally's clock follows the
// wall clock while a closure runs, as production's does.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { taskMs: number }) => {
  let processed = false;
  const work = task("process", () => new Promise<string>((resolve) => setTimeout(() => resolve("processed"), input.taskMs))).then((value) => {
    processed = true;
    return value;
  });
  const timer = sleep("timer", 1);
  await Promise.race([work, timer]);
  const notified = processed ? false : await task("notify", () => true);
  await Promise.all([work, timer]);
  // Where the hosts' tests end the run: every case ends a wait.
  await sleep("pause", "1 minute");
  return { notified, result: await work };
});
