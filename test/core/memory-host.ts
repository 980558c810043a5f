// An in-memory ExecutionHost for pure tests: records what the execution begins and
// finishes, and lets a test settle calls as a run object would.
import type { Workflow } from "baton";
import { Execution, type ExecutionHost, type ExecutionMode, type ExecutionOptions, type NewCall } from "../../src/core/execution.ts";
import type { LogEntry, Outcome, RunEnd } from "../../src/core/log.ts";

export class MemoryHost implements ExecutionHost {
  readonly begun: NewCall[] = [];
  readonly finished: { key: string; attempt: number; outcome: Outcome }[] = [];
  begin(call: NewCall): void {
    this.begun.push(call);
  }
  finishStep(key: string, attempt: number, outcome: Outcome): boolean {
    this.finished.push({ key, attempt, outcome });
    return true;
  }
}

/** Starts `workflow` over `log` in drive mode. */
export function drive<I>(workflow: Workflow<I, unknown>, input: I, log: LogEntry[] = [], host = new MemoryHost(), options: ExecutionOptions = {}) {
  return start(workflow, input, log, host, { kind: "drive" }, options);
}

function start<I>(workflow: Workflow<I, unknown>, input: I, log: LogEntry[], host: MemoryHost, mode: ExecutionMode, options: ExecutionOptions = {}) {
  const execution = new Execution(workflow.run, input, log, host, mode, options);
  let end: RunEnd | undefined;
  void execution.ended.then((e) => (end = e));
  execution.start();
  return { execution, host, ended: () => end };
}

/** Lets every pending continuation run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A completed log entry. */
export function done(key: string, kind: LogEntry["kind"], name: string, seq: number, result: unknown, branch = ""): LogEntry {
  return { key, branch, seq, kind, name, status: "completed", attempts: 1, result };
}
