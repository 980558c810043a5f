// The context primitives find while workflow body code runs: which execution, which
// branch (the body, or one parallel item), and the body's environment (its recorded
// clock and seeded randomness, read by the globals while body code runs).

import type { ApprovalRequest, ApprovalResult } from "../approval.ts";
import type { Closure, ResolvedFlowOptions, ParallelOptions, RunContext } from "../context.ts";
import type { EventRequest } from "../events.ts";
import type { ResolvedTaskOptions, TaskOptions } from "../options.ts";
import { BODY_ENVIRONMENT, type BodyEnvironment } from "./determinism.ts";

/** What a branch context asks of its execution: one method per primitive. */
export interface BranchHost {
  readonly environment: BodyEnvironment;
  task<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T>;
  step<T>(branch: string, name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T>;
  sleep(branch: string, name: string | undefined, seconds: number): Promise<void>;
  sleepUntil(branch: string, name: string | undefined, at: number): Promise<void>;
  event(branch: string, request: EventRequest): Promise<unknown>;
  approval(branch: string, name: string | undefined, request: ApprovalRequest): Promise<ApprovalResult>;
  parallel<I, O>(branch: string, items: readonly I[], fn: (item: I, index: number) => Promise<O>, options: ParallelOptions<I>): Promise<O[]>;
  script<T>(branch: string, path: string, args: unknown, options: TaskOptions | undefined): Promise<T>;
  flow<T>(branch: string, path: string, input: unknown, options: ResolvedFlowOptions): Promise<T>;
  patched(branch: string, id: string): boolean;
}

/** The context primitives see inside a branch of a running workflow. */
export class BranchContext implements RunContext {
  private readonly host: BranchHost;
  private readonly branch: string;

  constructor(host: BranchHost, branch: string) {
    this.host = host;
    this.branch = branch;
  }

  get [BODY_ENVIRONMENT](): BodyEnvironment {
    return this.host.environment;
  }

  task<T>(name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T> {
    return this.host.task(this.branch, name, fn, options);
  }
  step<T>(name: string | undefined, fn: Closure<T>, options: ResolvedTaskOptions): Promise<T> {
    return this.host.step(this.branch, name, fn, options);
  }
  sleep(name: string | undefined, seconds: number): Promise<void> {
    return this.host.sleep(this.branch, name, seconds);
  }
  sleepUntil(name: string | undefined, at: number): Promise<void> {
    return this.host.sleepUntil(this.branch, name, at);
  }
  event(request: EventRequest): Promise<unknown> {
    return this.host.event(this.branch, request);
  }
  approval(name: string | undefined, request: ApprovalRequest): Promise<ApprovalResult> {
    return this.host.approval(this.branch, name, request);
  }
  parallel<I, O>(items: readonly I[], fn: (item: I, index: number) => Promise<O>, options: ParallelOptions<I>): Promise<O[]> {
    return this.host.parallel(this.branch, items, fn, options);
  }
  script<T>(path: string, args: unknown, options: TaskOptions | undefined): Promise<T> {
    return this.host.script(this.branch, path, args, options);
  }
  flow<T>(path: string, input: unknown, options: ResolvedFlowOptions): Promise<T> {
    return this.host.flow(this.branch, path, input, options);
  }
  patched(id: string): boolean {
    return this.host.patched(this.branch, id);
  }
}
