// Sleeps, then runs a few tasks: a run that is still going when its page opens.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { seconds: number; tasks?: number }) => {
  await sleep(input.seconds);
  const done: number[] = [];
  for (let i = 0; i < (input.tasks ?? 2); i++) done.push(await task(`part ${i}`, async () => i * 10));
  return { done };
});
