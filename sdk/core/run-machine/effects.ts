// The work a transition of the run state machine asks its host to start. Every
// transition answers these instead of starting anything itself, so the run object and
// runLocally each start them their own way.

import type { ApprovalRequest } from "../../approval.ts";
import type { ResolvedTaskOptions } from "../../options.ts";
import type { Json } from "../json.ts";
import type { Settled } from "../log.ts";
import type { StepRecord } from "./storage.ts";

/** Work a transition asks the host to start. */
export type RunEffect =
  /** Send this attempt of a task to a consumer (through its concurrency limit, cache and worker tag). */
  | { kind: "dispatch"; key: string; attempt: number; options: ResolvedTaskOptions }
  /** Run this attempt of an inline step in the live execution (or rebuild it, which does). */
  | { kind: "rerun-step"; key: string; attempt: number }
  /** Ask for a decision on an approval (emails, or runLocally's approve callback). */
  | { kind: "ask"; key: string; request: ApprovalRequest }
  /** Start the child run of a flow step. */
  | { kind: "start-child"; key: string; childId: string; workflow: string; input: Json | undefined }
  /** Cancel a child run whose flow step is over or whose parent ended. */
  | { kind: "cancel-child"; childId: string }
  /** Give back the concurrency slot a task attempt held. */
  | { kind: "release-slot"; key: string; options: ResolvedTaskOptions }
  /** Send the event `name` to the run `runId` (once, retried until it answers); its answer settles the send step at `key`. */
  | { kind: "send-event"; key: string; runId: string; name: string; payload: Json | undefined }
  /** Hand this outcome to the body now (an event wait that found its event already kept). */
  | { kind: "deliver"; settled: Settled };

/** The slot a task attempt held, to give back once the attempt is over; none for a task without a concurrency limit. */
export function releaseSlot(step: StepRecord): RunEffect[] {
  return step.options?.concurrency ? [{ kind: "release-slot", key: step.key, options: step.options }] : [];
}
