// A task whose first attempt fails and whose retry waits two hours.
import { task, workflow } from "baton-workflows";

export default workflow(async () =>
  task(
    "flaky",
    ({ attempt }) => {
      if (attempt === 1) throw new Error("first attempt fails");
      return attempt;
    },
    { retries: { limit: 1, delay: 7200 } },
  ),
);
