// Holds an amount that the update "add" changes while the run waits for the event
// "done", answering the query "amount": what a client updating a waiting run sees.
import { defineQuery, defineUpdate, setState, waitForEvent, workflow } from "baton-workflows";

export default workflow(async () => {
  let amount = 0;
  defineQuery("amount", () => amount);
  defineUpdate("add", (n: number) => {
    amount += n;
    setState({ amount });
    return amount;
  });
  await waitForEvent("done", { timeout: 3600 });
  return { amount };
});
