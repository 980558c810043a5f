// A run object with the test-only control surface: the class a test Worker binds as
// RunObject (`export { TestRunObject as RunObject }`), so a test can make waits due,
// let time pass, lose messages, fail deliveries and cut the object off as a crash
// would. The production RunObject has none of this; it only reads the faults set here.

import { isTerminal } from "baton-workflows/engine";
import { retentionMs } from "../runs/alarm.ts";
import { RunObject } from "../runs/run-object.ts";
import { RunControl } from "./run-control.ts";

/** RunObject plus `control()`, for tests. */
export class TestRunObject extends RunObject {
  /** The test-only control surface (waits made due, time passing, lost messages, failing deliveries, cut-offs); reachable only through the binding, never over HTTP. */
  control(): RunControl {
    return new RunControl({
      faults: this.faults,
      hasten: async (key) => {
        const run = this.store.run();
        if (!run || isTerminal(run.status)) return [];
        const keys = this.machine.hasten(Date.now(), key);
        if (keys.length > 0) {
          await this.alarm();
          await this.quiesce();
        }
        return keys;
      },
      emailsDueNow: async () => {
        this.store.emails.hasten(Date.now());
        await this.alarm();
        await this.quiesce();
      },
      ageKeptEvents: (ms) => this.store.inbox.age(ms),
      elapse: async (ms) => {
        const run = this.store.run();
        if (!run) return;
        const now = Date.now();
        this.store.steps.bringForward(now + ms, now);
        this.store.emails.bringForward(now + ms, now);
        this.store.signals.bringForward(now + ms, now);
        this.store.bringStartForward(now + ms, now);
        await this.alarm();
        await this.quiesce();
      },
      signalsDueNow: async () => {
        this.store.signals.hasten(Date.now());
        await this.alarm();
        await this.quiesce();
      },
      retentionPassed: async () => {
        const run = this.store.run();
        const keep = retentionMs(this.env);
        if (!run || !isTerminal(run.status) || keep === null) return false;
        this.store.backdateEnd(Date.now() - keep - 1);
        await this.alarm();
        return this.store.run() === undefined;
      },
      useMailer: (mailer) => (this.mailer = mailer),
    });
  }

}
