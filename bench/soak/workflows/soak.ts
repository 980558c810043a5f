// The soak workflow: three tasks around a short sleep, each task telling the soak's
// loopback counter it ran, so lost and duplicated effects can be counted from outside.
import { sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { tag: string; counter: string }) => {
  const effect = (name: string) => task(name, async () => (await fetch(`${input.counter}/hit/${input.tag}:${name}`)).json() as Promise<number>);
  await effect("a");
  await sleep(1);
  await effect("b");
  await effect("c");
  return "done";
});
