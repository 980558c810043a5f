// A concurrency limiter with the test-only control surface: the class a test Worker
// binds as ConcurrencyLimiter (`export { TestConcurrencyLimiter as ConcurrencyLimiter }`).

import { ConcurrencyLimiter } from "../tasks/concurrency-limiter.ts";
import { LimiterControl } from "./limiter-control.ts";

/** ConcurrencyLimiter plus `control()`, for tests. */
export class TestConcurrencyLimiter extends ConcurrencyLimiter {
  /** The test-only control surface: moves this limiter's clock on, so leases expire and rate windows pass without waiting. */
  control(): LimiterControl {
    return new LimiterControl(async (ms) => {
      this.clockOffset += ms;
      await this.grantWaiting();
    });
  }
}
