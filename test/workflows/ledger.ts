// Keeps a balance that updates change while the run waits: "add" (validated, answers
// the new balance), "broken" (counts the failure, then throws), "sneaky" (calls a
// primitive), "stamp" (answers the body's clock). Waits for "next", records a task
// with the balance it saw, then waits for "finish" and returns all it saw.
import { defineQuery, defineUpdate, setState, task, waitForEvent, workflow } from "baton-workflows";

export default workflow(async (input: { start?: number }) => {
  let balance = input.start ?? 0;
  let failures = 0;
  const seen: number[] = [];
  defineQuery("balance", () => balance);
  defineUpdate(
    "add",
    (n: number) => {
      balance += n;
      setState({ balance });
      return { balance };
    },
    {
      validate: (n) => {
        if (typeof n !== "number") throw new TypeError(`add takes a number, got ${JSON.stringify(n)}`);
      },
    },
  );
  defineUpdate("broken", () => {
    failures += 1;
    throw new Error("no update today");
  });
  defineUpdate("sneaky", () => task(async () => 1));
  defineUpdate("stamp", () => Date.now());
  setState({ balance });
  const next = await waitForEvent<{ add: number }>("next", { timeout: 3600 });
  seen.push(balance);
  balance += next.add;
  const doubled = await task("double", () => balance * 2);
  seen.push(doubled);
  await waitForEvent("finish", { timeout: 3600 });
  seen.push(balance);
  return { balance, failures, seen };
});
