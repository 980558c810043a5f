// Saga rollback inside an execution. Every task() or step() given a `rollback` is
// followed; once its outcome reaches the body as a success, its compensation joins the
// list, in delivery order — which every replay repeats, so the list is the same in the
// run object, a consumer's mirror, a task-mode replay and runLocally. When the body
// fails (or ends after a cancel with rollback), the calls it still waits for are given
// up, and the compensations run newest first, one after the other, each an ordinary
// task or step (same kind as the step it undoes) keyed `rollback/<step key>` in a
// branch of their own, shielded from the run's cancel. Then the run ends with the
// body's end; a rollback that failed after its retries is listed in the error's
// `fields.rollbackFailures` and the others still run.

import type { Closure } from "../context.ts";
import { CancelledError } from "../errors.ts";
import type { ResolvedTaskOptions } from "../options.ts";
import type { ResolvedRollback } from "../rollback.ts";
import { fromErrorData, toErrorData, type ErrorData } from "./error-data.ts";
import type { Json } from "./json.ts";
import type { Outcome, RunOutcome, Settled } from "./log.ts";
import type { Located } from "./recorded-log.ts";

/** The branch every rollback call is made in. No body key starts with it: a name's `/` is escaped, and branches start `parallel#`. */
export const ROLLBACK_BRANCH = "rollback/";

/** The key of the rollback of the step at `key`. */
export function rollbackKey(key: string): string {
  return `${ROLLBACK_BRANCH}${key}`;
}

/** True when the run's cancel outcome (the `cancel#0` row's) asks for the rollbacks to run. */
export function cancelRollsBack(outcome: Outcome): boolean {
  return outcome.ok && typeof outcome.value === "object" && outcome.value !== null && (outcome.value as { rollback?: unknown }).rollback === true;
}

/** What the cancel row records for a cancel with rollback. */
export const ROLLBACK_CANCEL: Json = { rollback: true };

/** Where a rollback call is made: the execution's task() and step(), at a key given. */
export interface RollbackCalls {
  task(branch: string, name: string, fn: Closure<unknown>, options: ResolvedTaskOptions, site: { shielded: boolean }, key: string): Promise<unknown>;
  step(branch: string, name: string, fn: Closure<unknown>, options: ResolvedTaskOptions, site: { shielded: boolean }, key: string): Promise<unknown>;
}

interface Completed {
  key: string;
  name: string;
  kind: "task" | "step";
  output: unknown;
  rollback: ResolvedRollback;
}

/** The compensations of the steps that completed, and running them when the run fails. */
export class Rollbacks {
  /** Set when the run's cancel asked for rollback (its outcome, cancelRollsBack). */
  onCancel = false;
  private readonly completed: Completed[] = [];
  /** Calls with a rollback whose outcome has not reached the body yet, by key. */
  private readonly open = new Map<string, Omit<Completed, "output">>();
  private unwinding = false;

  /** Follows the call at `call`: once its promise resolves, its rollback (if it has one) is kept. Answers the same promise. */
  track<T>(call: Located, site: { rollback?: ResolvedRollback | undefined }, promise: Promise<T>): Promise<T> {
    const rollback = site.rollback;
    if (!rollback || (call.kind !== "task" && call.kind !== "step")) return promise;
    const { key, name, kind } = call;
    this.open.set(key, { key, name, kind, rollback });
    // Registered before the body's own await on it, so it runs first: the list is up to date before body code goes on.
    promise.then(
      (output) => {
        this.open.delete(key);
        if (!this.unwinding) this.completed.push({ key, name, kind, output, rollback });
      },
      () => this.open.delete(key),
    );
    return promise;
  }

  /** True while the compensations run: the body's end is decided. */
  get running(): boolean {
    return this.unwinding;
  }

  /**
   * The body ended as `end`. A failure, or a cancel that asked for rollback, with
   * compensations kept first gives up the calls the body still waits for (`abandon`),
   * then runs them (newest first) and answers the run's end once they are over;
   * undefined when nothing is to be rolled back. A call given up whose success was
   * already stored (`undelivered`: a sibling reported in the same batch) completed
   * too: it joins the list in its delivery place, since its work was done. The log
   * holds the same outcomes on every replay (a call given up takes no later one).
   */
  unwind(end: RunOutcome, calls: RollbackCalls, abandon: () => void, undelivered: () => Settled[]): Promise<RunOutcome> | undefined {
    if (this.unwinding || (end.status !== "failed" && !(end.status === "cancelled" && this.onCancel))) return undefined;
    for (const { key, outcome } of undelivered()) {
      const call = this.open.get(key);
      if (call && outcome.ok) this.completed.push({ ...call, output: outcome.value });
    }
    if (this.completed.length === 0) return undefined;
    this.unwinding = true;
    abandon();
    return this.runAll(end, calls);
  }

  private async runAll(end: RunOutcome, calls: RollbackCalls): Promise<RunOutcome> {
    const failures: { key: string; error: ErrorData }[] = [];
    for (const step of this.completed.reverse()) {
      const key = rollbackKey(step.key);
      // A fresh error per attempt, rebuilt from data: every host hands the rollback the same thing.
      const fn: Closure<unknown> = (ctx) =>
        step.rollback.fn({ output: step.output, error: end.status === "failed" ? fromErrorData(end.error) : new CancelledError("the run was cancelled"), ctx: { ...ctx, step: { key: step.key, name: step.name } } });
      try {
        // Shielded: the run's cancel (or a later one) does not interrupt a compensation.
        await calls[step.kind](ROLLBACK_BRANCH, `rollback:${step.name}`, fn, step.rollback.options, { shielded: true }, key);
      } catch (error) {
        failures.push({ key, error: toErrorData(error) });
      }
    }
    if (end.status !== "failed" || failures.length === 0) return end;
    const rollbackFailures: Json = failures.map(({ key, error }) => ({ key, name: error.name, message: error.message }));
    return { status: "failed", error: { ...end.error, fields: { ...end.error.fields, rollbackFailures } } };
  }
}
