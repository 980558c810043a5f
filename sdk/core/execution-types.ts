// The shapes around an execution: what it records, what it asks of its host, how it
// is set up, and in which mode it runs.

import type { EventUrlRequest } from "./event-url-host.ts";
import type { ApprovalRequest } from "../approval.ts";
import type { Script } from "../compose.ts";
import type { Closure } from "../context.ts";
import type { ResolvedTaskOptions } from "../options.ts";
import type { Json } from "./json.ts";
import type { Outcome, Settled, StepKind } from "./log.ts";
import type { PayloadLoader } from "./payloads.ts";
import type { EventRequest } from "../events.ts";
import type { RunFacts, SendRequest } from "./run-info.ts";

/** A call the log has not recorded yet (or an inline step being run again). */
export interface NewCall {
  key: string;
  branch: string;
  seq: number;
  kind: StepKind;
  name: string;
  attempt: number;
  /** For sleeps: how long. */
  seconds?: number;
  /** For sleepUntil: when to wake (ms since the epoch). */
  until?: number;
  /** For event waits: which event, for how long. */
  event?: EventRequest;
  /** For approvals: what is asked, of whom, for how long. */
  approval?: ApprovalRequest;
  /** For tasks: retry policy and per-attempt timeout. */
  options?: ResolvedTaskOptions;
  /** For script tasks: which script, with what args. */
  script?: { path: string; args: Json | undefined };
  /** For child flows: which workflow, its input, and how long it may run. */
  flow?: { path: string; input: Json | undefined; timeout?: number | undefined; start?: boolean | undefined };
  /** For sends: which run, which event, what payload. */
  send?: SendRequest;
}

/** What an execution may look up about the deployment: scripts and workflows by path. */
export interface Resolver {
  /** The script registered at `path`. */
  script(path: string): Script | undefined;
  /** True when a workflow is registered at `path`. */
  isWorkflow(path: string): boolean;
}

/** A resolver that knows no scripts and no workflows. */
export const EMPTY_RESOLVER: Resolver = { script: () => undefined, isWorkflow: () => false };

/** What an execution is given besides the body, the input and the log. */
export interface ExecutionOptions {
  /** Where taskScript and taskFlow look up their paths (default: nowhere). */
  resolver?: Resolver;
  /** Set only when the run started on other code than is running now, naming both versions; told in replay errors. */
  codeChange?: string | undefined;
  /** Appended to the error of a taskScript or taskFlow path the resolver does not know. */
  notFoundHint?: string;
  /** Seeds the body's randomness; the run's id, so every replay of a run draws the same numbers. */
  seed?: string;
  /** The body's clock until the first outcome is delivered: when the run started (ms). */
  startedAt?: number;
  /** What currentRun() answers; every host passes the same facts, so replays agree. Default: the seed as id, nothing else known. */
  run?: RunFacts;
  /** Loads outcomes the log keeps by reference (a host with a payload store); without it such an outcome fails with PayloadError. */
  payloads?: PayloadLoader | undefined;
}

/** A task's closure with the timeout each attempt gets. */
export interface TaskClosure {
  fn: Closure<unknown>;
  timeout: number;
}

/** What the execution needs from whoever stores the log. */
export interface ExecutionHost {
  /** Records a new call and starts its work; synchronous, so the record precedes any effect. */
  begin(call: NewCall): void;
  /** Stores an inline step's outcome with its place in the delivery order; null when it arrived too late or was parked for a retry. */
  finishStep(key: string, attempt: number, outcome: Outcome): Settled | null;
  /** The body gave up the call at `key` (its signal, a lost race, the run's cancel): its step ends cancelled, its work is told it is not wanted. */
  cancelStep?(key: string): void;
  /** A signal that ends an inline step's attempt early (the in-memory runner's virtual timeout). */
  attemptSignal?(key: string, attempt: number): AbortSignal | undefined;
  /** Signs an event URL of this run (eventUrl()); absent where the host signs none (runLocally, a worker you run). */
  eventUrl?(request: EventUrlRequest): Promise<string>;
  /** The traceparent an inline step's attempt runs under (a host that exports traces), or null. */
  attemptTraceparent?(key: string, attempt: number): string | null;
  /** Keeps an inline step's large result by reference before it is stored (the object before the row that points at it); absent: kept inline. */
  keepLarge?(key: string, outcome: Outcome): Outcome | Promise<Outcome>;
  /** Told when outcomes start to be delivered, with a promise that settles once the body is at rest (the in-memory runner's clock waits for it). */
  delivering?(done: Promise<void>): void;
}

/**
 * `drive`: the run object's execution, which starts new work.
 * `task`: a consumer's replay up to one task's key, whose closure it then runs.
 * `mirror`: a consumer's long-lived copy of a run, fed log changes with `absorb`;
 * it starts nothing and keeps the closure of every task it reaches.
 */
export type ExecutionMode = { kind: "drive" } | { kind: "task"; key: string; attempt: number; cancel?: AbortSignal | undefined; traceparent?: string | null | undefined } | { kind: "mirror" };

/** A host for executions that only read the log: they record and start nothing. */
export const IDLE_HOST: ExecutionHost = {
  begin: () => {},
  finishStep: () => null,
};

/** A workflow body as the engine calls it. */
export type WorkflowBody = (input: never) => Promise<unknown>;
