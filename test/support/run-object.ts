// The run object the test Worker binds as RunObject: the production class with the test
// controls (TestRunObject), plus a writer of runs as earlier releases stored them, for
// the upgrade tests. Nothing here ships in the package's Worker.

import { legacyShard } from "../../src/run-list/run-list.ts";
import { TestRunObject } from "../../src/testing/test-run-object.ts";
import { legacySummary, writeLegacyRun, type LegacyRun } from "./legacy-runs.ts";

/** TestRunObject plus `writeLegacyRun`. */
export class RunObject extends TestRunObject {
  /** Stores `run` as an earlier release did (its tables created as that release did), in an object that holds no run yet, listed as that release listed it, with the alarm due now: the upgrade happens when the alarm runs. */
  async writeLegacyRun(run: LegacyRun): Promise<void> {
    if (this.store.run()) throw new Error("this object holds a run already");
    writeLegacyRun(this.ctx.storage.sql, run);
    await legacyShard(this.env).upsert(legacySummary(run), 1);
    this.alarms.cover(Date.now());
  }
}
