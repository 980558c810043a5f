// Charges, then ships; shipping fails the first time it runs for a tag (a bug fixed
// since, say), so the run fails and a restart from the failed step completes it.
import { FatalError, sleep, task, workflow } from "baton-workflows";
import { hit } from "../hit.ts";

export default workflow(async (input: { tag: string }) => {
  const charged = await task("charge", async () => {
    console.log(`charging ${input.tag}`);
    return { receipt: `r-${await hit(`${input.tag}:charge`)}` };
  });
  await sleep(0);
  const shipped = await task("ship", async () => {
    if ((await hit(`${input.tag}:ship`)) === 1) throw new FatalError("carrier refused the parcel");
    return { parcel: "p-1" };
  });
  return { ...charged, ...shipped };
});
