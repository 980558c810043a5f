// A run that continued as new (continueAsNew), as its callers meet it: its successor is
// started before anyone reading the ended run can follow `continuedAs` to it, and a
// cancel goes down the chain to its current run. A layer of the run object between its
// event readers and its RPC surface.

import { Updatable } from "./updating.ts";
import type { CancelOptions, CancelResult } from "./run-api.ts";
import type { RunRow } from "./run-store.ts";
import { summaryOf } from "./run-views.ts";

/** The run object's handling of runs that continued as new. */
export abstract class Continuing extends Updatable {
  /**
   * Returns once a continued run's successor was started, so a reader that follows
   * `continuedAs` finds it: the flush that sends the start is awaited while signals wait
   * (a start that fails is tried again on the alarm, and this does not wait for that).
   */
  protected async handedOn(): Promise<void> {
    if (this.store.run()?.status === "continued" && this.store.signals.nextAt() !== null) await this.scheduleFlush();
  }

  /**
   * Cancels a chain through its continued run: the cancel goes to the successor (and on,
   * to the chain's current run), with its options (a rollback too). `busy` while the successor's start is still being tried:
   * the caller tries again (a parent's cancel signal does, on its back-off).
   */
  protected async cancelChain(run: RunRow, options: CancelOptions = {}): Promise<CancelResult> {
    await this.handedOn();
    if (run.continuedAs === null) return { status: "not_active", run: summaryOf(this.store, run) };
    if (this.store.signals.undelivered().some((signal) => signal.kind === "start_successor")) return { status: "busy", run: summaryOf(this.store, run) };
    return this.env.RUNS.get(this.env.RUNS.idFromName(run.continuedAs)).cancel(options);
  }
}
