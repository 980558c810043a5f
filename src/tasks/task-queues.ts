// Which queue a task goes to: the default tasks queue, or the queue of its worker tag.
// A tag `heavy` is served by the producer binding TASKS_HEAVY (queue baton-tasks-heavy),
// consumed by the Worker in workers/heavy/. A tag without a binding is an error that
// names the tag and what to add.

import type { Env } from "../env.ts";
import type { TaskMessage } from "./messages.ts";

/** The binding name of a tag's queue: `heavy-cpu` → `TASKS_HEAVY_CPU`. */
export function tagBinding(tag: string): string {
  return `TASKS_${tag.toUpperCase().replace(/-/g, "_")}`;
}

/** The queue for `tag` (the default queue without one), or a message saying how to configure it. */
export function queueFor(env: Env, tag: string | undefined): Queue<TaskMessage> | string {
  if (tag === undefined) return env.TASKS;
  const binding: unknown = Reflect.get(env, tagBinding(tag));
  if (typeof binding === "object" && binding !== null && typeof (binding as { sendBatch?: unknown }).sendBatch === "function") {
    return binding as Queue<TaskMessage>;
  }
  return (
    `no queue is configured for worker tag "${tag}": add a [[queues.producers]] binding "${tagBinding(tag)}" ` +
    `to wrangler.toml and a Worker consuming it (see "Worker tags" in the README)`
  );
}
