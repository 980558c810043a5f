// Keeping the run list (RunIndex) told of a run's status: one update in flight at a
// time, always the latest revision, never on the run's critical path. A failed update
// is retried by the run's alarm; reading the run waits for a stale one to catch up.

import { housekeepingBackoffMs, toErrorData } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import type { RunStore } from "../runs/run-store.ts";
import { summaryOf } from "../runs/run-views.ts";
import { indexFor } from "./run-list.ts";

export class IndexSync {
  private indexing: Promise<void> | undefined;
  private again = false;
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
    if (this.indexing) {
      this.again = true;
      return;
    }
    this.indexing = (async () => {
      do {
        this.again = false;
        await this.update();
      } while (this.again);
    })().finally(() => (this.indexing = undefined));
  }

  /** Waits until the index holds the run's current status, so whoever has seen the run finds it listed that way. */
  async caughtUp(): Promise<void> {
    this.inBackground();
    await this.indexing;
  }

  private async update(): Promise<void> {
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
