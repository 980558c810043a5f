// Keeping the run list (RunIndex) told of a run's status: one update in flight at a
// time, always the latest revision, never on the run's critical path. A failed update
// is retried by the run's alarm; reading the run waits for a stale one to catch up.
// A batch start lists its runs itself, many rows per shard (batch-listing.ts): the run
// object then leaves that revision to the batch and its alarm stays the backstop.

import { housekeepingBackoffMs, LIVENESS_MS, toErrorData } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { RunSummary } from "../runs/run-view.ts";
import { summaryOf } from "../runs/run-views.ts";
import { indexFor } from "./run-list.ts";

/** A start's answer as the list needs it: the run's summary and the revision it is at. */
export interface Listed {
  run: RunSummary;
  revision: number;
}

export class IndexSync {
  private indexing: Promise<void> | undefined;
  private again = false;
  /** A revision a batch start lists (and until when the run leaves it to it), so the run's first flush does not list it too. */
  private handed: { revision: number; until: number } | undefined;
  private readonly store: RunStore;
  private readonly env: Env;
  private readonly syncAlarm: () => void;

  /** `syncAlarm` sets the run's alarm for what it waits for now: a failed update's retry time, or, once the list caught up, no longer for the list. */
  constructor(store: RunStore, env: Env, syncAlarm: () => void) {
    this.store = store;
    this.env = env;
    this.syncAlarm = syncAlarm;
  }

  /** Starts an update when the index is behind the run; does not wait for it. */
  inBackground(): void {
    const run = this.store.run();
    if (!run || run.indexedRevision >= run.revision) return;
    // The batch that started the run lists this revision; a newer one (the run moved on) the run lists itself.
    if (this.handed && run.revision <= this.handed.revision && Date.now() < this.handed.until) return;
    this.update();
  }

  /** Waits until the index holds the run's current status, so whoever has seen the run finds it listed that way. */
  async caughtUp(): Promise<void> {
    this.update();
    await this.indexing;
  }

  /**
   * What a start answers once the run is listed: by the run object (waiting for its
   * shard), or, for a batch start, by the batch, which writes the revision answered
   * here with the other runs of its shard. The run's stored "not yet indexed" state is
   * left as it is, so its alarm (within the liveness window of its last change) lists it
   * should the batch never get there; that write and the batch's are the same row at the
   * same revision, and the index keeps the newer of any two.
   */
  async listed(batched: boolean): Promise<Listed> {
    if (!batched) await this.caughtUp();
    const run = this.store.run();
    if (!run) throw new Error("baton: a start answered before its run was created");
    if (batched) this.leave(run.revision);
    return { run: summaryOf(this.store, run), revision: run.revision };
  }

  /** Leaves the listing of revisions up to `revision` (all, until the answer names one) to the batch start, for a while. */
  leave(revision = Number.MAX_SAFE_INTEGER): void {
    // The alarm of the liveness window fires after this has lapsed, so it never skips the backstop.
    this.handed = { revision, until: Date.now() + LIVENESS_MS / 2 };
  }

  private update(): void {
    const run = this.store.run();
    if (!run || run.indexedRevision >= run.revision) return;
    if (this.indexing) {
      this.again = true;
      return;
    }
    this.indexing = (async () => {
      do {
        this.again = false;
        await this.write();
      } while (this.again);
    })().finally(() => (this.indexing = undefined));
  }

  private async write(): Promise<void> {
    const run = this.store.run();
    if (!run || run.indexedRevision >= run.revision) return;
    try {
      await indexFor(this.env, run.id).upsert(summaryOf(this.store, run), run.revision);
      this.store.markIndexed(run.revision, null);
    } catch (error) {
      console.error(`baton: run index update failed, retrying: ${toErrorData(error).message}`);
      this.store.markIndexed(null, Date.now() + housekeepingBackoffMs(1));
    }
    this.syncAlarm();
  }
}
