// For `npm run crash`: a task, a wait for the event "go", a task; returns the event's
// payload. Each task tells the loopback counter it ran.
import { task, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { tag: string; counter: string }) => {
  const effect = (name: string) => task(name, async () => (await fetch(`${input.counter}/hit/${input.tag}:${name}`)).json() as Promise<number>);
  await effect("a");
  const go = await waitForEvent<string>("go", { timeout: 3600 });
  await effect("b");
  return go;
});
