// The context primitives find while workflow body code runs: which execution, which
// branch (the body, or one parallel item), and the body's environment (its recorded
// clock and seeded randomness, read by the globals while body code runs).

import type { EventUrlMaker } from "./event-url-host.ts";
import type { ApprovalRequest, ApprovalResult } from "../approval.ts";
import type { CallControl, Closure, ResolvedFlowOptions, ParallelOptions, RunContext, SentEvent } from "../context.ts";
import type { EventRequest } from "../events.ts";
import type { ResolvedTaskOptions, TaskOptions } from "../options.ts";
import { contexts } from "./async-context.ts";
import type { CallSite } from "./cancellation.ts";
import { BODY_ENVIRONMENT, type BodyEnvironment } from "./determinism.ts";
import type { NewCall } from "./execution-types.ts";
import { publishedOf, type PublishedState } from "./published-state.ts";
import { toJson } from "./json.ts";
import type { StepKind } from "./log.ts";
import type { RunInfo, SendRequest } from "./run-info.ts";

/** What a branch context asks of its execution: one method per primitive. */
export interface BranchHost {
  readonly environment: BodyEnvironment;
  task<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions, site: CallSite): Promise<T>;
  step<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions, site: CallSite): Promise<T>;
  /** A sleep, event wait or approval: settled from outside; `details(key)` is what the host records of it. */
  suspended<T>(branch: string, kind: StepKind, name: string | undefined, site: CallSite, details: (key: string) => Partial<NewCall>): Promise<T>;
  parallel<I, O>(branch: string, items: readonly I[], fn: (item: I, index: number) => Promise<O>, options: ParallelOptions<I>, shielded: boolean): Promise<O[]>;
  script<T>(branch: string, path: string, args: unknown, options: TaskOptions | undefined, site: CallSite): Promise<T>;
  flow<T>(branch: string, path: string, input: unknown, options: ResolvedFlowOptions, site: CallSite): Promise<T>;
  patched(branch: string, id: string): boolean;
  /** The run the body belongs to, from the host's facts. */
  runInfo(): RunInfo;
  /** What signs this run's event URLs, if its host signs any. */
  eventUrlMaker(): EventUrlMaker | undefined;
  /** Ends the run and starts its successor (continue-as-new.ts). */
  continueAsNew(branch: string, input: unknown): Promise<never>;
}

/** The context primitives see inside a branch of a running workflow. */
export class BranchContext implements RunContext {
  private readonly host: BranchHost;
  private readonly branch: string;
  /** Inside nonCancellable(): the run's cancel does not interrupt calls made here. */
  private readonly shielded: boolean;

  constructor(host: BranchHost, branch: string, shielded = false) {
    this.host = host;
    this.branch = branch;
    this.shielded = shielded;
  }

  get [BODY_ENVIRONMENT](): BodyEnvironment {
    return this.host.environment;
  }

  private site(control: CallControl | undefined): CallSite {
    return { signal: control?.signal, shielded: this.shielded, rollback: control?.rollback };
  }

  task<T>(name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions, control?: CallControl): Promise<T> {
    return this.host.task(this.branch, name, fn, options, this.site(control));
  }
  step<T>(name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions, control?: CallControl): Promise<T> {
    return this.host.step(this.branch, name, fn, options, this.site(control));
  }
  sleep(name: string | undefined, seconds: number, control?: CallControl): Promise<void> {
    return this.host.suspended(this.branch, "sleep", name, this.site(control), () => ({ seconds }));
  }
  sleepUntil(name: string | undefined, at: number, control?: CallControl): Promise<void> {
    return this.host.suspended(this.branch, "sleep", name, this.site(control), () => ({ until: at }));
  }
  event(request: EventRequest, control?: CallControl): Promise<unknown> {
    return this.host.suspended(this.branch, "event", request.name, this.site(control), () => ({ event: request }));
  }
  approval(name: string | undefined, request: ApprovalRequest, control?: CallControl): Promise<ApprovalResult> {
    return this.host.suspended(this.branch, "approval", name, this.site(control), (key) => {
      // The data shown to the approver is checkpointed like a result: plain JSON only.
      const data = toJson(request.data, `the data of approval "${key}"`);
      if (data !== undefined) return { approval: { ...request, data } };
      const { data: _data, ...rest } = request;
      return { approval: rest };
    });
  }
  parallel<I, O>(items: readonly I[], fn: (item: I, index: number) => Promise<O>, options: ParallelOptions<I>): Promise<O[]> {
    return this.host.parallel(this.branch, items, fn, options, this.shielded);
  }
  script<T>(path: string, args: unknown, options: TaskOptions | undefined, control?: CallControl): Promise<T> {
    return this.host.script(this.branch, path, args, options, this.site(control));
  }
  flow<T>(path: string, input: unknown, options: ResolvedFlowOptions, control?: CallControl): Promise<T> {
    return this.host.flow(this.branch, path, input, options, this.site(control));
  }
  patched(id: string): boolean {
    return this.host.patched(this.branch, id);
  }
  send(request: SendRequest, control?: CallControl): Promise<SentEvent> {
    // Unnamed (key `send#n`): an event's name as the key would collide with a waitForEvent of that name.
    return this.host.suspended(this.branch, "send", undefined, this.site(control), () => ({ send: request }));
  }
  currentRun(): RunInfo {
    return this.host.runInfo();
  }
  eventUrlMaker(): EventUrlMaker | undefined {
    return this.host.eventUrlMaker();
  }
  published(): PublishedState {
    // Kept per execution, not per branch: every branch of the body publishes to one place.
    return publishedOf(this.host);
  }
  continueAsNew(input: unknown): Promise<never> {
    return this.host.continueAsNew(this.branch, input);
  }
  nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
    // The same branch (keys do not change), shielded; the async context carries it through fn's awaits.
    return contexts.run(new BranchContext(this.host, this.branch, true), () => {
      try {
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(error);
      }
    });
  }
}
