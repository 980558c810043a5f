// What an execution knows of the recorded log: its entries by key and by position
// (branch and sequence number), the `patched()` markers, and the counters that give
// each call of the body its key and position. A call is matched with what the log
// recorded at its place; another call recorded there is a divergence.

import { fromErrorData, type ErrorData } from "./error-data.ts";
import type { NewCall } from "./execution-types.ts";
import type { Json } from "./json.ts";
import type { LogEntry, Outcome, StepKind } from "./log.ts";
import { patchKey, stepKey } from "./step-key.ts";

/** A call of the body, placed: its key and position, and what the log recorded there. */
export interface Located {
  key: string;
  branch: string;
  seq: number;
  kind: StepKind;
  name: string;
  recorded: LogEntry | undefined;
}

/** The recorded log, indexed for replay, and the positions of the calls the body made so far. */
export class RecordedLog {
  private readonly byKey = new Map<string, LogEntry>();
  private readonly byPosition = new Map<string, LogEntry>();
  /** `patched()` markers: the branch position each was recorded at. */
  private readonly patches = new Map<string, number>();
  /** The highest recorded position of each branch (markers aside). */
  private readonly lastSeq = new Map<string, number>();
  private readonly sequence = new Map<string, number>();
  private readonly occurrences = new Map<string, number>();

  /** Takes in a new or changed entry. */
  remember(entry: LogEntry): void {
    // The run's cancel and its updates are no calls of the body's: they take no position.
    if (entry.kind === "cancel" || entry.kind === "update") return;
    if (entry.kind === "patch") {
      this.patches.set(entry.key, entry.seq);
      return;
    }
    this.byKey.set(entry.key, entry);
    this.byPosition.set(position(entry.branch, entry.seq), entry);
    this.lastSeq.set(entry.branch, Math.max(this.lastSeq.get(entry.branch) ?? -1, entry.seq));
  }

  /**
   * Places the body's next call of `kind` in `branch` (under the key `given`, else its
   * own), with what the log recorded there; `conflict` is an entry of another call at
   * its position, or under its key.
   */
  locate(branch: string, kind: StepKind, name: string | undefined, given?: string): { call: Located; conflict: LogEntry | undefined } {
    const label = name ?? kind;
    // A given key (a rollback's, rollbacks.ts) is not counted as an occurrence of its label.
    const key = given ?? stepKey(branch, label, this.nextOccurrence(branch, label));
    const seq = bump(this.sequence, branch);
    const recorded = this.byPosition.get(position(branch, seq));
    const conflict = recorded ? (recorded.key !== key || recorded.kind !== kind ? recorded : undefined) : this.byKey.get(key);
    return { call: { key, branch, seq, kind, name: label, recorded }, conflict };
  }

  /** How many calls labelled `label` `branch` made before this one: the occurrence its key carries. */
  nextOccurrence(branch: string, label: string): number {
    return bump(this.occurrences, `${branch}\u0000${label}`);
  }

  /**
   * Whether the run takes change `id` at `branch`'s current position; `marker` is the
   * call to record when it is placed here first. A marker recorded at or before this
   * position says yes; a branch whose log already goes past this position ran the old
   * code here, so no; otherwise the run is reaching this point for the first time under
   * the new code: the marker is recorded (without taking a position, so removing the
   * call later shifts no keys) and the answer is yes.
   */
  patched(branch: string, id: string): { taken: boolean; marker?: NewCall } {
    const key = patchKey(branch, id);
    const here = this.sequence.get(branch) ?? 0;
    const marker = this.patches.get(key);
    if (marker !== undefined) return { taken: marker <= here };
    if ((this.lastSeq.get(branch) ?? -1) >= here) return { taken: false };
    this.patches.set(key, here);
    return { taken: true, marker: { key, branch, seq: here, kind: "patch", name: id, attempt: 1 } };
  }
}

/** True when the entry holds an outcome. */
export function isSettled(entry: LogEntry | undefined): entry is LogEntry & { status: "completed" | "failed" } {
  return entry !== undefined && (entry.status === "completed" || entry.status === "failed");
}

/** A settled entry's outcome. */
export function outcomeOf(entry: LogEntry): Outcome {
  if (entry.status === "failed") return { ok: false, error: entry.error ?? unknownError };
  return entry.resultRef ? { ok: true, value: undefined, ref: entry.resultRef } : { ok: true, value: entry.result as Json | undefined };
}

/** A settled entry's outcome as the promise its call returns. */
export function stored<T>(entry: LogEntry): Promise<T> {
  if (entry.status === "failed") return Promise.reject(fromErrorData(entry.error ?? unknownError, entry.key));
  return Promise.resolve(entry.result as T);
}

/** A placed call as the host records it, less its attempt. */
export function withoutRecorded(call: Located): Omit<NewCall, "attempt"> {
  return { key: call.key, branch: call.branch, seq: call.seq, kind: call.kind, name: call.name };
}

const unknownError: ErrorData = { name: "Error", message: "the step failed without a recorded error" };

function bump(counters: Map<string, number>, key: string): number {
  const n = counters.get(key) ?? 0;
  counters.set(key, n + 1);
  return n;
}

function position(branch: string, seq: number): string {
  return `${branch}\u0000${seq}`;
}
