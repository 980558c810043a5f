// The queue consumer: one invocation runs a batch of task messages. Messages are
// grouped by run; each group asks its run object once which attempts are still
// wanted and for the log changes since this isolate last saw the run, advances its
// mirror of the run to the tasks, runs their closures here (away from the run
// object) and reports each outcome back over RPC. A message whose report cannot be
// delivered is retried by the queue; the run object ignores whatever it already has.

import * as z from "zod/mini";
import { CancelledError, ScriptNotFoundError, TaskDeliveryError, VersionMismatchError, WorkflowNotFoundError } from "baton-workflows";
import { toErrorData, runClosure, type ExecutionOptions, type LogEntry, type Outcome, MirrorCache, RunMirror, runTaskByReplay, macrotask } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import { TaskMessage, type TaskReport } from "./messages.ts";
import { registry, type Registry } from "../registry.ts";
import { payloadStoreOf, taskReportOf } from "../payloads/kept-outcomes.ts";
import { normalTraceparent } from "../telemetry/traceparent.ts";
import type { RunObject, TaskContextData, TaskRef } from "../runs/run-object.ts";

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
          error: toErrorData(new TaskDeliveryError(`attempt ${attempt} of "${key}" could not be processed by the task consumer after the queue's retries`)),
        });
        message.ack();
      } catch (error) {
        console.error(`baton: dead-lettered task ${key} of run ${runId} could not be reported: ${toErrorData(error).message}`);
        message.retry();
      }
    }),
  );
}

/** Runs this isolate keeps a mirror of, and the bytes of log they may hold together (an isolate has 128 MB). */
const MIRRORED_RUNS = 64;
const MIRRORED_BYTES = 32 * 1024 * 1024;
const mirrors = new MirrorCache(MIRRORED_RUNS, MIRRORED_BYTES);

interface Job {
  message: Message<unknown>;
  task: TaskMessage;
}

/**
 * A task whose run is driven by other code than this consumer runs (a deployment
 * rolling out) goes back to the queue this many times, this many seconds apart, for a
 * consumer on the run's code to take; then its attempt fails with VersionMismatchError.
 * Stays below the queue's max_retries (wrangler.toml), or the dead-letter queue would
 * take the message first.
 */
export const VERSION_BOUNCES = 8;
export const VERSION_BOUNCE_SECONDS = 30;

/** The Worker's `queue` handler for the tasks queue; `deployed` is the registry of the code this consumer runs. */
export async function consumeTasks(batch: MessageBatch<unknown>, env: Env, deployed: Registry = registry): Promise<void> {
  // Tells the engine whether results may pass 1 MiB (kept by reference) before any closure runs.
  payloadStoreOf(env);
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
  await Promise.all([...runs].map(([runId, jobs]) => runJobs(runId, jobs, env, deployed)));
}

async function runJobs(runId: string, jobs: Job[], env: Env, deployed: Registry): Promise<void> {
  const run = env.RUNS.get(env.RUNS.idFromName(runId));
  const useCache = env.BATON_CONSUMER_CACHE !== "off";
  const cached = useCache ? mirrors.get(runId) : undefined;
  let context: TaskContextData;
  let received = 0;
  try {
    const fetched = await fetchContext(run, jobs.map(taskRef), cached?.cursor ?? 0, env);
    // Null: the run ended or is unknown; nothing to do.
    if (fetched === null) return ackAll(jobs);
    ({ context, bytes: received } = fetched);
  } catch (error) {
    console.error(`baton: run ${runId} could not be asked for its tasks: ${toErrorData(error).message}`);
    for (const { message } of jobs) message.retry();
    return;
  }
  const body = deployed.body(context.workflow);
  // Scripts run by path; only other tasks need the workflow replayed to their closures.
  const scripts = context.scripts ?? [];
  // Replaying the body here on other code than drives the run could diverge: hand such tasks back.
  const mine = deployed.entry(context.workflow)?.version ?? null;
  // A workflow whose file does not build here (an edit in dev) is other code too: its tasks wait for it to build again.
  const otherCode = (context.version !== null && mine !== null && mine !== context.version) || (body === undefined && deployed.buildFailure(context.workflow) !== undefined);
  if (otherCode) mirrors.delete(runId);
  const needsMirror = body !== undefined && !otherCode && context.wanted.some((wanted, i) => wanted && !scripts[i]);
  let mirror: RunMirror | undefined = otherCode ? undefined : cached;
  if (mirror) {
    mirror.absorb(context.log, context.cursor);
    mirror.bytes += received;
    mirrors.fit();
  } else if (needsMirror) {
    mirror = new RunMirror(body, context.input, context.log, context.cursor, replayOptions(runId, context, deployed, env));
    mirror.bytes = received;
    if (useCache) mirrors.set(runId, mirror);
  }
  const reports = new ReportBatch(run, context.wanted.filter(Boolean).length);
  // Checks double as heartbeats: three within the shortest heartbeat timeout.
  const every = Math.min(intervalMs(env.BATON_CANCEL_CHECK_MS), (context.heartbeatMs ?? Number.POSITIVE_INFINITY) / 3);
  const watch = new CancelWatch(run, every);
  const bounced: Job[] = [];
  try {
    await Promise.all(
      jobs.map(async ({ message, task }, i) => {
        // Not wanted: the task settled, a newer attempt was sent, or the run moved on.
        if (!context.wanted[i]) return message.ack();
        const ranAt = Date.now();
        const script = scripts[i];
        if (otherCode && !script && message.attempts <= VERSION_BOUNCES) {
          reports.skip();
          bounced.push({ message, task });
          return message.retry({ delaySeconds: VERSION_BOUNCE_SECONDS });
        }
        const cancel = watch.add({ message, task });
        try {
          const outcome: Outcome | null = script
            ? await runScript(script, task, cancel, deployed)
            : otherCode
              ? { ok: false, error: toErrorData(versionMismatch(runId, task.key, context.workflow, context.version, mine)) }
              : body
                ? ((await mirror?.run(task.key, task.attempt, cancel, traceparentOf(task))) ?? (await replayFromStart(runId, { message, task }, env, cancel, deployed)))
                : { ok: false, error: toErrorData(new WorkflowNotFoundError(`workflow "${context.workflow}" is not deployed in this Worker`)) };
          // Null, or cancelled: the attempt stopped being wanted; there is nothing to report.
          if (outcome === null || cancel.aborted) {
            reports.skip();
            return message.ack();
          }
          // In the Worker's logs (under wrangler dev, mapped to your files): why an attempt failed.
          if (!outcome.ok) console.warn(`baton: run ${runId}: ${task.key} attempt ${task.attempt} failed: ${outcome.error.stack ?? `${outcome.error.name}: ${outcome.error.message}`}`);
          const printed = { ...(outcome.logs ? { logs: outcome.logs } : {}), ranAt };
          // A large result goes to BATON_PAYLOADS first and is reported by reference.
          await reports.send(await taskReportOf(payloadStoreOf(env), runId, task.key, task.attempt, outcome, printed));
          message.ack();
        } catch (error) {
          console.error(`baton: task ${task.key} of run ${runId} could not report: ${toErrorData(error).message}`);
          message.retry();
        } finally {
          watch.remove({ message, task });
        }
      }),
    );
  } finally {
    watch.stop();
  }
  // Handed back for a consumer on the run's code: free the claims, so the bounced message (or a re-send after it) can be taken.
  if (bounced.length > 0) {
    await run.release(bounced.map(taskRef), (VERSION_BOUNCE_SECONDS + 5) * 1000).catch((error: unknown) => {
      console.error(`baton: run ${runId}'s handed-back tasks could not be released: ${toErrorData(error).message}`);
    });
  }
}

/** Runs a script task by its path, with the args the run recorded; no replay of the caller. */
function runScript(script: NonNullable<NonNullable<TaskContextData["scripts"]>[number]>, task: TaskMessage, cancel: AbortSignal, deployed: Registry): Promise<Outcome> {
  const found = deployed.script(script.path);
  if (!found) {
    return Promise.resolve({ ok: false, error: toErrorData(new ScriptNotFoundError(`script "${script.path}" is not deployed in this Worker`)) });
  }
  return runClosure((context) => found.run(script.args, context), task.key, task.attempt, script.timeout, cancel, traceparentOf(task));
}

/**
 * The slow, always-correct path: replay the workflow from the whole log to the task.
 * Used when the mirror did not reach the task (it fell out of step with the run).
 * Null when the attempt is no longer wanted.
 */
async function replayFromStart(runId: string, job: Job, env: Env, cancel: AbortSignal, deployed: Registry): Promise<Outcome | null> {
  const { task } = job;
  mirrors.delete(runId);
  const context = (await fetchContext(env.RUNS.get(env.RUNS.idFromName(runId)), [taskRef(job)], 0, env))?.context;
  const body = context && deployed.body(context.workflow);
  if (!context || !body || !context.wanted[0]) return null;
  return runTaskByReplay(body, context.input, context.log, task.key, task.attempt, replayOptions(runId, context, deployed, env), cancel, traceparentOf(task));
}

/** The attempt's span its message carries, if it is a well-formed traceparent. */
function traceparentOf(task: TaskMessage): string | null {
  return normalTraceparent(task.traceparent);
}

/**
 * A run's answer to `taskContext` with the whole log since `since`: the first page,
 * then the rest a page at a time (each well under an RPC's limit), and how many bytes
 * came. Null when the run ended or is unknown, before or while paging.
 */
async function fetchContext(run: DurableObjectStub<RunObject>, tasks: TaskRef[], since: number, env: Env): Promise<{ context: TaskContextData; bytes: number } | null> {
  const text = await run.taskContext(tasks, since);
  if (text === null) return null;
  const context = JSON.parse(text) as TaskContextData;
  let bytes = text.length;
  while (context.more) {
    const page = await run.logPage(context.cursor);
    if (page === null) return null;
    bytes += page.length;
    const { log, cursor, more } = JSON.parse(page) as { log: LogEntry[]; cursor: number; more: boolean };
    context.log.push(...log);
    context.cursor = cursor;
    context.more = more;
  }
  // A kept input comes by reference: loaded here, where the replay needs it.
  if (context.inputRef) context.input = await payloadStoreOf(env)?.load(context.inputRef);
  return { context, bytes };
}

/** How a consumer's replay of a run is set up: the registry, the run's seed and start time, and where values kept by reference are loaded from. */
function replayOptions(runId: string, context: TaskContextData, deployed: Registry, env: Env): ExecutionOptions {
  // A run object from before currentRun() sends no facts: the ones it would have sent, as far as known.
  const run = context.run ?? { id: runId, workflow: context.workflow, parentId: null, restartOf: null, attempt: 1, startedAt: context.startedAt ?? 0 };
  return { resolver: deployed, seed: runId, startedAt: context.startedAt ?? 0, run, payloads: payloadStoreOf(env)?.loader };
}

function versionMismatch(runId: string, key: string, workflow: string, theirs: string | null, mine: string | null): VersionMismatchError {
  return new VersionMismatchError(
    `task "${key}" of run ${runId} is driven by version ${theirs ?? "?"} of "${workflow}", but this consumer runs version ${mine ?? "?"}; ` +
      `no consumer on version ${theirs ?? "?"} took it within ${VERSION_BOUNCES * VERSION_BOUNCE_SECONDS} s. Finish rolling out one version, then retry the run's step.`,
  );
}

const DEFAULT_CANCEL_CHECK_MS = 1000;

function intervalMs(value: string | undefined): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 50 ? parsed : DEFAULT_CANCEL_CHECK_MS;
}

/**
 * While a run's task closures run here, asks the run object now and then whether
 * they are still wanted, and aborts the signal of each that is not: the run was
 * cancelled or ended, or the attempt was given up on. Each ask is also the heartbeat
 * that keeps this consumer's claims alive. Tasks that finish within one interval
 * never cause a check.
 */
class CancelWatch {
  private readonly running = new Map<string, { job: Job; controller: AbortController }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private checking = false;

  constructor(
    private readonly run: DurableObjectStub<RunObject>,
    private readonly everyMs: number,
  ) {}

  /** Watches one attempt; its signal aborts once the run no longer wants it. */
  add(job: Job): AbortSignal {
    const controller = new AbortController();
    this.running.set(job.message.id, { job, controller });
    this.timer ??= setInterval(() => void this.check(), this.everyMs);
    return controller.signal;
  }

  remove(job: Job): void {
    this.running.delete(job.message.id);
    if (this.running.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.checking || this.running.size === 0) return;
    this.checking = true;
    const watched = [...this.running.values()];
    try {
      const wanted = await this.run.stillWanted(watched.map(({ job }) => taskRef(job)));
      watched.forEach(({ job: { task }, controller }, i) => {
        if (!wanted[i]) controller.abort(new CancelledError(`attempt ${task.attempt} of "${task.key}" is no longer wanted: its run was cancelled or ended, or the attempt was given up or taken over`));
      });
    } catch (error) {
      // Unknown is not "cancelled": the closures run on, and the next check asks again.
      console.error(`baton: could not check whether run ${watched[0]?.job.task.runId ?? ""}'s tasks are still wanted: ${toErrorData(error).message}`);
    } finally {
      this.checking = false;
    }
  }
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
    const waiting = this.waiting.splice(0);
    // Results are up to 1 MiB each: several calls, each well under an RPC's 32 MiB.
    for (const batch of byBytes(waiting, ({ report }) => JSON.stringify(report).length, REPORT_BATCH_BYTES)) {
      try {
        await this.run.reportMany(batch.map(({ report }) => report));
        for (const { done } of batch) done();
      } catch (error) {
        for (const { fail } of batch) fail(error);
      }
    }
  }
}

/** Most bytes of reports sent to a run object in one call. */
const REPORT_BATCH_BYTES = 8 * 1024 * 1024;

/** `items` in order, cut into runs of at most `max` bytes each (an item larger than `max` goes alone). */
function byBytes<T>(items: T[], size: (item: T) => number, max: number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && bytes + n > max) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The attempt a job's message carries, claimed in the name of the message. */
function taskRef({ message, task }: Job): TaskRef {
  return { key: task.key, attempt: task.attempt, claimant: message.id };
}

function ackAll(jobs: Job[]): void {
  for (const { message } of jobs) message.ack();
}
