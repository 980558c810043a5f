// Pausing a run and resuming it. A paused run starts no new attempt and fires no timer:
// its body is stopped (rebuilt by replay on resume), what was already running finishes
// and is recorded, and outcomes wait in the log; on resume the body replays them in
// their recorded order and whatever fell due meanwhile (sleeps, retries, timeouts) fires.

import { isTerminal } from "baton-workflows/engine";
import type { RunSummary } from "./run-view.ts";
import { summaryOf } from "./run-views.ts";
import { WorkerFacing } from "./worker-facing.ts";
import { startsLater } from "./pending-start.ts";

/** What pause and resume answer: the run as it stands now, or why nothing changed. */
export type PauseResult = { status: "changed" | "unchanged"; run: RunSummary } | { status: "not_active"; run: RunSummary } | { status: "not_found" };

/** The run object's pause and resume. */
export abstract class Pausable extends WorkerFacing {
  /** Pauses the run; pausing a paused run changes nothing. */
  async pause(): Promise<PauseResult> {
    const run = this.store.run();
    if (!run) return { status: "not_found" };
    if (isTerminal(run.status)) return { status: "not_active", run: summaryOf(this.store, run) };
    if (run.status === "paused") return { status: "unchanged", run: summaryOf(this.store, run) };
    // Stopped, not ended: nothing is abandoned, and the resume replays the log.
    this.dropExecution();
    this.store.setStatus("paused", Date.now());
    this.afterEvent();
    return { status: "changed", run: summaryOf(this.store, this.requireRun()) };
  }

  /** Resumes a paused run: it replays its log, and what fell due while it was paused fires now. */
  async resume(): Promise<PauseResult> {
    const run = this.store.run();
    if (!run) return { status: "not_found" };
    if (isTerminal(run.status)) return { status: "not_active", run: summaryOf(this.store, run) };
    if (run.status !== "paused") return { status: "unchanged", run: summaryOf(this.store, run) };
    const now = Date.now();
    // A debounced run paused before it began waits for its start again; its alarm is that start.
    if (startsLater(run, now)) {
      this.store.setStatus("queued", now);
      this.afterEvent();
      return { status: "changed", run: summaryOf(this.store, this.requireRun()) };
    }
    // Where its steps stand (sleeping, waiting, running), so the answer already says it.
    this.store.setStatus(this.machine.liveStatus(), now);
    if (run.bodyQueue) this.wantActivation();
    else this.ensureExecution();
    const { settled, effects } = this.machine.due(now);
    this.apply(effects, now);
    this.deliver(settled);
    this.afterEvent();
    return { status: "changed", run: summaryOf(this.store, this.requireRun()) };
  }
}
