// The queue consumer: one invocation runs a batch of task messages. Messages are
// grouped by run; each group asks its run object once which attempts are still
// wanted and for the log changes since this isolate last saw the run, advances its
// mirror of the run to the tasks, runs their closures here (away from the run
// object) and reports each outcome back over RPC. A message whose report cannot be
// delivered is retried by the queue; the run object ignores whatever it already has.

import { z } from "zod";
import { toErrorData } from "./core/error-data.ts";
import type { Outcome } from "./core/log.ts";
import { MirrorCache, RunMirror } from "./core/run-mirror.ts";
import { runTaskByReplay } from "./core/task-replay.ts";
import type { Env } from "./env.ts";
import { TaskMessage, type TaskReport } from "./messages.ts";
import { registry } from "./registry.ts";
import type { RunObject, TaskContextData } from "./run-object.ts";
import { macrotask } from "./core/macrotask.ts";

/** The queue where messages land that the consumer could not process after the queue's retries. */
export const DEAD_LETTER_QUEUE = "baton-tasks-dlq";

/**
 * The dead-letter consumer: each message is an attempt no consumer could process, so
 * it is reported as failed (TaskDeliveryError) and its run retries it per policy or
 * fails the step. No run waits on a message that will never be processed.
 */
export async function consumeDeadTasks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = TaskMessage.safeParse(message.body);
      if (!parsed.success) return message.ack();
      const { runId, key, attempt } = parsed.data;
      try {
        await env.RUNS.get(env.RUNS.idFromName(runId)).report({
          key,
          attempt,
          error: { name: "TaskDeliveryError", message: `attempt ${attempt} of "${key}" could not be processed by the task consumer after the queue's retries` },
        });
        message.ack();
      } catch (error) {
        console.error(`baton: dead-lettered task ${key} of run ${runId} could not be reported: ${toErrorData(error).message}`);
        message.retry();
      }
    }),
  );
}

/** Runs this isolate keeps a mirror of. */
const MIRRORED_RUNS = 64;
const mirrors = new MirrorCache(MIRRORED_RUNS);

interface Job {
  message: Message<unknown>;
  task: TaskMessage;
}

/** The Worker's `queue` handler for the tasks queue. */
export async function consumeTasks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const runs = new Map<string, Job[]>();
  for (const message of batch.messages) {
    const parsed = TaskMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error(`baton: dropping a malformed task message: ${z.prettifyError(parsed.error)}`);
      message.ack();
      continue;
    }
    const jobs = runs.get(parsed.data.runId) ?? [];
    jobs.push({ message, task: parsed.data });
    runs.set(parsed.data.runId, jobs);
  }
  await Promise.all([...runs].map(([runId, jobs]) => runJobs(runId, jobs, env)));
}

async function runJobs(runId: string, jobs: Job[], env: Env): Promise<void> {
  const run = env.RUNS.get(env.RUNS.idFromName(runId));
  const useCache = env.BATON_CONSUMER_CACHE !== "off";
  const cached = useCache ? mirrors.get(runId) : undefined;
  let context: TaskContextData;
  try {
    const text = await run.openTasks(
      jobs.map(({ task }) => ({ key: task.key, attempt: task.attempt })),
      cached?.cursor ?? 0,
    );
    // Null: the run ended or is unknown; nothing to do.
    if (text === null) return ackAll(jobs);
    context = JSON.parse(text) as TaskContextData;
  } catch (error) {
    console.error(`baton: run ${runId} could not be asked for its tasks: ${toErrorData(error).message}`);
    for (const { message } of jobs) message.retry();
    return;
  }
  const definition = registry.get(context.workflow);
  let mirror: RunMirror | undefined;
  if (definition) {
    if (cached) {
      cached.absorb(context.log, context.cursor);
      mirror = cached;
    } else {
      mirror = new RunMirror(definition.run, context.input, context.log, context.cursor);
      if (useCache) mirrors.set(runId, mirror);
    }
  }
  const reports = new ReportBatch(run, context.wanted.filter(Boolean).length);
  await Promise.all(
    jobs.map(async ({ message, task }, i) => {
      // Not wanted: the task settled, a newer attempt was sent, or the run moved on.
      if (!context.wanted[i]) return message.ack();
      try {
        const outcome: Outcome | null = definition
          ? ((await mirror?.run(task.key, task.attempt)) ?? (await replayFromStart(runId, task, env)))
          : { ok: false, error: { name: "WorkflowNotFoundError", code: "workflow_not_found", message: `workflow "${context.workflow}" is not deployed in this Worker` } };
        // Null: while replaying, the attempt stopped being wanted; there is nothing to report.
        if (outcome === null) {
          reports.skip();
          return message.ack();
        }
        await reports.send(
          outcome.ok ? { key: task.key, attempt: task.attempt, result: outcome.value } : { key: task.key, attempt: task.attempt, error: outcome.error },
        );
        message.ack();
      } catch (error) {
        console.error(`baton: task ${task.key} of run ${runId} could not report: ${toErrorData(error).message}`);
        message.retry();
      }
    }),
  );
}

/**
 * The slow, always-correct path: replay the workflow from the whole log to the task.
 * Used when the mirror did not reach the task (it fell out of step with the run).
 * Null when the attempt is no longer wanted.
 */
async function replayFromStart(runId: string, task: TaskMessage, env: Env): Promise<Outcome | null> {
  mirrors.delete(runId);
  const text = await env.RUNS.get(env.RUNS.idFromName(runId)).openTasks([{ key: task.key, attempt: task.attempt }], 0);
  const context = text === null ? null : (JSON.parse(text) as TaskContextData);
  const definition = context && registry.get(context.workflow);
  if (!context || !definition || !context.wanted[0]) return null;
  return runTaskByReplay(definition.run, context.input, context.log, task.key, task.attempt);
}

/**
 * Gathers the reports of one run's tasks into few RPCs: reports wait one macrotask
 * for others finishing in the same turn, except the last one expected, which goes
 * at once (so a lone task, the common case, waits for nothing).
 */
class ReportBatch {
  private waiting: { report: TaskReport; done: () => void; fail: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly run: DurableObjectStub<RunObject>,
    /** Reports still to come. */
    private expected: number,
  ) {}

  /** Resolves once the run object has the report (accepted or ignored as stale). */
  send(report: TaskReport): Promise<void> {
    this.expected -= 1;
    return new Promise((done, fail) => {
      this.waiting.push({ report, done, fail });
      if (this.expected <= 0) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        void macrotask().then(() => this.flush());
      }
    });
  }

  /** Notes that one expected report will not come. */
  skip(): void {
    this.expected -= 1;
    if (this.expected <= 0 && this.waiting.length > 0) void this.flush();
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.waiting.splice(0);
    if (batch.length === 0) return;
    try {
      await this.run.reportMany(batch.map(({ report }) => report));
      for (const { done } of batch) done();
    } catch (error) {
      for (const { fail } of batch) fail(error);
    }
  }
}

function ackAll(jobs: Job[]): void {
  for (const { message } of jobs) message.ack();
}
