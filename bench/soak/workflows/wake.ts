// For `npm run crash`: a task, a sleep until a wake time every run shares, two tasks;
// each task tells the loopback counter it ran.
import { sleepUntil, task, workflow } from "baton-workflows";

export default workflow(async (input: { tag: string; counter: string; wakeAt: string }) => {
  const effect = (name: string) => task(name, async () => (await fetch(`${input.counter}/hit/${input.tag}:${name}`)).json() as Promise<number>);
  await effect("a");
  await sleepUntil("wake", input.wakeAt);
  await effect("b");
  await effect("c");
  return "done";
});
