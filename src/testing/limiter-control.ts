// The test-only control surface of a concurrency limiter, kept apart from its API:
// `TestConcurrencyLimiter.control()` (reachable only through the CONCURRENCY binding
// of a test Worker) moves the limiter's clock on, so a lease expires or a rate window
// passes at once.

import { RpcTarget } from "cloudflare:workers";

export class LimiterControl extends RpcTarget {
  readonly #advance: (ms: number) => Promise<void>;

  constructor(advance: (ms: number) => Promise<void>) {
    super();
    this.#advance = advance;
  }

  /** Moves the limiter's clock `ms` on and grants the waiters that then fit. */
  advance(ms: number): Promise<void> {
    return this.#advance(ms);
  }
}
