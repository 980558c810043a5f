// An in-memory ExecutionHost for pure tests: records what the execution begins and
// finishes, and lets a test settle calls as a run object would (each outcome taking
// the next place in the run's delivery order).
import type { Workflow } from "baton-workflows";
import { Execution, type ExecutionHost, type ExecutionMode, type ExecutionOptions, type NewCall } from "../../sdk/core/execution.ts";
import type { LogEntry, Outcome, RunOutcome, Settled } from "../../sdk/core/log.ts";

/** Delivery loops still running, so `atRest` can wait for the body to come to rest. */
const busy = new Set<Promise<void>>();
const deliveries = new WeakMap<Execution, number>();

function nextDelivery(execution: Execution): number {
  const next = (deliveries.get(execution) ?? 0) + 1;
  deliveries.set(execution, next);
  return next;
}

/** Stores `outcome` for `key` as the run's next delivered outcome and hands it to `execution`. */
export function deliverTo(execution: Execution, key: string, outcome: Outcome, at = 0): boolean {
  return execution.deliver({ key, delivery: nextDelivery(execution), at, outcome });
}

export class MemoryHost implements ExecutionHost {
  readonly begun: NewCall[] = [];
  readonly finished: { key: string; attempt: number; outcome: Outcome }[] = [];
  /** The keys of the steps the body gave up (its signal, a lost race, the run's cancel), in order. */
  readonly cancelled: string[] = [];
  execution: Execution | undefined;
  begin(call: NewCall): void {
    this.begun.push(call);
  }
  cancelStep(key: string): void {
    this.cancelled.push(key);
  }
  finishStep(key: string, attempt: number, outcome: Outcome): Settled | null {
    this.finished.push({ key, attempt, outcome });
    return this.execution ? { key, delivery: nextDelivery(this.execution), at: 0, outcome } : null;
  }
  delivering(done: Promise<void>): void {
    busy.add(done);
    void done.finally(() => busy.delete(done));
  }
}

/** Starts `workflow` over `log` in drive mode. */
export function drive<I>(workflow: Workflow<I, unknown>, input: I, log: LogEntry[] = [], host = new MemoryHost(), options: ExecutionOptions = {}) {
  return start(workflow, input, log, host, { kind: "drive" }, options);
}

function start<I>(workflow: Workflow<I, unknown>, input: I, log: LogEntry[], host: MemoryHost, mode: ExecutionMode, options: ExecutionOptions = {}) {
  const execution = new Execution(workflow.run, input, log, host, mode, options);
  host.execution = execution;
  // Outcomes the log already holds keep their places; the host's next ones come after.
  deliveries.set(execution, Math.max(0, ...log.map((entry) => entry.delivery ?? 0)));
  let end: RunOutcome | undefined;
  void execution.ended.then((e) => (end = e));
  execution.start();
  return { execution, host, ended: () => end };
}

/** Lets every pending continuation run and every delivery loop come to rest. */
export async function atRest(): Promise<void> {
  do {
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (busy.size > 0) await Promise.all([...busy]);
  } while (busy.size > 0);
}

/** A completed log entry; with `delivery`, the place its outcome took in the order outcomes reached the body. */
export function done(key: string, kind: LogEntry["kind"], name: string, seq: number, result: unknown, branch = "", delivery?: number): LogEntry {
  const entry: LogEntry = { key, branch, seq, kind, name, status: "completed", attempts: 1, result };
  if (delivery !== undefined) entry.delivery = delivery;
  return entry;
}

/** A completed run's output, typed for the test; throws (failing the test) for any other end. */
export function outputOf<T>(end: RunOutcome | undefined): T {
  if (end?.status !== "completed") throw new Error(`the run did not complete: ${JSON.stringify(end)}`);
  return end.output as T;
}
