// The queue consumer: one invocation runs a batch of task messages. Each message is
// replayed to its task, the closure runs here (away from the run object), and the
// outcome is reported back over RPC. A message whose report cannot be delivered is
// retried by the queue; the run object ignores anything it has already accepted.

import { z } from "zod";
import { toErrorData } from "./core/error-data.ts";
import type { Outcome } from "./core/log.ts";
import { runTaskByReplay } from "./core/task-replay.ts";
import type { Env } from "./env.ts";
import { TaskMessage } from "./messages.ts";
import { registry } from "./registry.ts";
import type { TaskContextData } from "./run-object.ts";

/** The Worker's `queue` handler for the tasks queue. */
export async function consumeTasks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = TaskMessage.safeParse(message.body);
      if (!parsed.success) {
        console.error(`baton: dropping a malformed task message: ${z.prettifyError(parsed.error)}`);
        message.ack();
        return;
      }
      try {
        await runTask(parsed.data, env);
        message.ack();
      } catch (error) {
        console.error(`baton: task ${parsed.data.key} of run ${parsed.data.runId} could not report: ${toErrorData(error).message}`);
        message.retry();
      }
    }),
  );
}

async function runTask(message: TaskMessage, env: Env): Promise<void> {
  const run = env.RUNS.get(env.RUNS.idFromName(message.runId));
  const text = await run.taskContext(message.key, message.attempt);
  // Null: the run ended, the task settled, or a newer attempt was sent. Nothing to do.
  if (text === null) return;
  const context = JSON.parse(text) as TaskContextData;
  const definition = registry.get(context.workflow);
  const outcome: Outcome = definition
    ? await runTaskByReplay(definition.run, context.input, context.log, message.key, message.attempt)
    : { ok: false, error: { name: "WorkflowNotFoundError", code: "workflow_not_found", message: `workflow "${context.workflow}" is not deployed in this Worker` } };
  await run.report(
    outcome.ok
      ? { key: message.key, attempt: message.attempt, result: outcome.value }
      : { key: message.key, attempt: message.attempt, error: outcome.error },
  );
}
