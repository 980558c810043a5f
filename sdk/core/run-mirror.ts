// A consumer's long-lived copy of a run. Built once from the whole log, then fed only
// the entries that changed since, it reaches each new task without replaying the run
// from the start: per-task work and bytes stay flat however long the run grows.

import { Execution, IDLE_HOST, runClosure, type ExecutionOptions, type TaskClosure, type WorkflowBody } from "./execution.ts";
import type { LogEntry, Outcome } from "./log.ts";

export class RunMirror {
  private readonly execution: Execution;
  /** The change number of the newest log entry absorbed. */
  cursor: number;
  /** About how many bytes of log it took in (its host counts them), to bound a cache by memory. */
  bytes = 0;

  constructor(body: WorkflowBody, input: unknown, log: readonly LogEntry[], cursor: number, options: ExecutionOptions = {}) {
    this.execution = new Execution(body, input, log, IDLE_HOST, { kind: "mirror" }, options);
    this.cursor = cursor;
    this.execution.start();
  }

  /** Takes in the entries that changed after `cursor`; older or repeated ones are harmless. */
  absorb(log: readonly LogEntry[], cursor: number): void {
    this.execution.absorb(log);
    this.cursor = Math.max(this.cursor, cursor);
  }

  /**
   * Runs the task at `key` once the mirrored workflow has taken in every outcome it
   * was given, if that brought it to the task; undefined when it did not (the mirror
   * fell out of step), and the caller must replay from the whole log instead.
   */
  async run(key: string, attempt: number, cancel?: AbortSignal, traceparent: string | null = null): Promise<Outcome | undefined> {
    await this.execution.idle();
    const closure: TaskClosure | undefined = this.execution.closureFor(key);
    return closure ? runClosure(closure.fn, key, attempt, closure.timeout, cancel, traceparent) : undefined;
  }
}

/** The most recently used mirrors: at most `capacity` of them, holding at most `maxBytes` of log together. */
export class MirrorCache {
  private readonly mirrors = new Map<string, RunMirror>();

  private readonly capacity: number;
  private readonly maxBytes: number;

  constructor(capacity: number, maxBytes = Number.POSITIVE_INFINITY) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  /** The mirror of `runId`, marked as just used. */
  get(runId: string): RunMirror | undefined {
    const mirror = this.mirrors.get(runId);
    if (mirror) {
      this.mirrors.delete(runId);
      this.mirrors.set(runId, mirror);
    }
    return mirror;
  }

  /**
   * Keeps `mirror` for `runId`, forgetting the least recently used beyond capacity.
   * A forgotten mirror still serves a task already using it; it is simply not reused.
   */
  set(runId: string, mirror: RunMirror): void {
    this.mirrors.delete(runId);
    this.mirrors.set(runId, mirror);
    this.fit();
  }

  /** Forgets the least recently used mirrors until the rest fit (call after a kept mirror grew). */
  fit(): void {
    let bytes = 0;
    for (const mirror of this.mirrors.values()) bytes += mirror.bytes;
    for (const [id, mirror] of this.mirrors) {
      if (this.mirrors.size <= this.capacity && bytes <= this.maxBytes) break;
      this.mirrors.delete(id);
      bytes -= mirror.bytes;
    }
  }

  /** Forgets the mirror of `runId`. */
  delete(runId: string): void {
    this.mirrors.delete(runId);
  }
}
