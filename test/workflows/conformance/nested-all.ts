// Promise.all of Promise.all over sequences of tasks, each ending with its own nap.
import { sleep, task, workflow } from "baton-workflows";

async function sequence(name: string, n: number, nap: "10 minutes" | "20 minutes" | "30 minutes"): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await task(name, () => `${name}${i}`));
  await sleep(`${name}-nap`, nap);
  out.push(await task(`${name}-done`, () => `${name} done`));
  return out;
}

export default workflow(async () => {
  const [[a, b], c] = await Promise.all([Promise.all([sequence("a", 3, "10 minutes"), sequence("b", 2, "20 minutes")]), sequence("c", 1, "30 minutes")]);
  return [...a, ...b, ...c];
});
