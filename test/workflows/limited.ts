// Tasks sharing a concurrency limit; each measures how many run at once and when it started.
import { parallel, task, workflow } from "baton-workflows";
import { hit, measured } from "../hit.ts";

export default workflow(async (input: { tag: string; key: string; limit: number; window?: number; priorities: number[] }) =>
  parallel(input.priorities, (priority, i) =>
    task(
      "work",
      () =>
        measured(`${input.tag}:live`, async () => {
          const order = await hit(`${input.tag}:order`);
          const startedAt = Date.now();
          await new Promise((resolve) => setTimeout(resolve, 40));
          return { i, priority, order, startedAt };
        }),
      {
        concurrency: input.window === undefined ? { key: input.key, limit: input.limit } : { key: input.key, limit: input.limit, window: input.window },
        priority,
        retries: { limit: 0 },
      },
    ),
  ),
);
