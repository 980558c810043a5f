// parallel() keeps its per-item keys: each item runs a task, sleeps its own time, and
// runs another; at most two items at once.
import { parallel, sleep, task, workflow } from "baton-workflows";

export default workflow(async (input: { items: string[] }) =>
  parallel(
    input.items,
    async (item, index) => {
      const upper = await task("upper", () => item.toUpperCase());
      await sleep("rest", (index + 1) * 60);
      return task("label", () => `${index}:${upper}`);
    },
    { concurrency: 2 },
  ),
);
