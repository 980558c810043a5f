// The run state machine's storage port: one run's steps. The run object keeps them in
// its Durable Object's SQLite database, runLocally in memory; the machine reads and
// writes only through this.

import type { ApprovalRequest } from "../../approval.ts";
import type { ResolvedTaskOptions } from "../../options.ts";
import type { ErrorData } from "../error-data.ts";
import type { Json } from "../json.ts";
import type { PayloadRef } from "../payloads.ts";
import type { AttemptFacts, StepHead, StepStatus } from "../log.ts";

/** One checkpointed call with everything the machine decides by. Times are ms since the epoch. */
export interface StepRecord extends StepHead {
  result: Json | undefined;
  /** A result kept in the payload store (`result` is then undefined). */
  resultRef?: PayloadRef | undefined;
  error: ErrorData | undefined;
  startedAt: number;
  endedAt: number | null;
  /** When the current attempt began. */
  attemptStartedAt: number;
  /** A sleep's wake, an approval's timeout, a retry's time. */
  wakeAt: number | null;
  /** When the run checks on an open task or step (a lost report), or a flow's timeout. */
  deadline: number | null;
  /** Settled: its place in the order outcomes reach the body. */
  delivery: number | null;
  fromCache: boolean;
  /** A running task attempt: the consumer that claimed it and when, or null while no consumer has. */
  claim: TaskClaim | null;
  /** A running task attempt: how often it was sent again because no consumer took it or its heartbeat stopped. */
  resends: number;
  /** Tasks and steps: retries and timeout (and a task's cache, limit, priority, tag). */
  options?: ResolvedTaskOptions;
  /** Approvals: what is asked of whom. */
  approval?: ApprovalRequest;
  /** Event waits: which event (the timeout is in wakeAt). */
  event?: { name: string };
  /** Script tasks: which script, with what args. */
  script?: { path: string; args: Json | undefined };
  /** Child flows: the workflow, its input, timeout (seconds) and the child run's id. */
  flow?: { workflow: string; input: Json | undefined; timeout: number | null; childId: string };
}

/** A consumer's claim on a task attempt: only it runs the attempt while its heartbeat lasts. */
export interface TaskClaim {
  /** The claiming consumer's token. */
  by: string;
  /** When it claimed the attempt: the attempt's timeout counts from here. */
  at: number;
}

/** What a claim, a heartbeat or a re-send changes: bookkeeping of an attempt in flight, not part of the log. */
export type LeaseChange = Partial<Pick<StepRecord, "claim" | "deadline" | "resends">>;

/** The fields a transition changes. */
export type StepChange = Partial<Pick<StepRecord, "status" | "attempts" | "result" | "resultRef" | "error" | "endedAt" | "attemptStartedAt" | "wakeAt" | "deadline" | "delivery" | "fromCache" | "claim" | "resends">>;

/** What a step must still be for a change to apply: one of `statuses`, and at `attempt` when given. */
export interface StepGuard {
  statuses: readonly StepStatus[];
  attempt?: number;
}

/** A run's steps as the machine sees them. Writes are synchronous: stored before anything else happens. */
export interface StepStorage {
  /** The step at `key`. */
  step(key: string): StepRecord | undefined;
  /** Stores a new step. */
  insert(step: StepRecord): void;
  /** Applies `change` to the step at `key` if it passes `guard`; true when it did. Every applied change is a new log change. */
  update(key: string, guard: StepGuard, change: StepChange): boolean;
  /**
   * Applies a lease change to the running task attempt at `key` (at `attempt`); true
   * when it did. Not a log change: consumers replaying the run never need it.
   */
  lease(key: string, attempt: number, change: LeaseChange): boolean;
  /** Adds a finished attempt of a task or step to its history (started when the step's current attempt did), with what it printed and when it ran. */
  recordAttempt(key: string, attempt: number, endedAt: number, error: ErrorData | null, facts: AttemptFacts): void;
  /** The oldest step waiting for the event `name`. */
  waitingForEvent(name: string): StepRecord | undefined;
  /** Keeps an event no step waits for yet, after those of its name kept before. */
  keepEvent(name: string, payload: Json | undefined, at: number, ref?: PayloadRef): void;
  /** Takes the oldest kept event named `name` (it is gone from the inbox after); `ref`: its payload is kept in the payload store. */
  takeEvent(name: string): { payload: Json | undefined; at: number; ref?: PayloadRef | undefined } | undefined;
  /** The highest delivery place given so far (0 for none). */
  lastDelivery(): number;
  /** Open steps in `statuses` whose `wakeAt` is at or before `now`, earliest first. */
  dueWakes(statuses: readonly StepStatus[], now: number): StepRecord[];
  /** Open steps in `statuses` whose `deadline` is at or before `now`, earliest first. */
  dueDeadlines(statuses: readonly StepStatus[], now: number): StepRecord[];
  /** Every open step, in the order they were recorded. */
  open(): StepRecord[];
  /** The earliest wake or deadline of an open step. */
  nextDue(): number | null;
  /** How many open steps there are, by what they wait for. */
  tally(): StepTally;
}

/** Open steps counted by what they wait for. */
export interface StepTally {
  /** Tasks and steps running, waiting to retry or for a concurrency slot (not child flows). */
  active: number;
  /** Approvals and event waits waiting, and child flows waiting for their child to end. */
  waiting: number;
  /** Sleeps. */
  sleeping: number;
  /** Child flows with no timeout: only the child's end moves them. */
  children: number;
  /** All open steps. */
  open: number;
}
