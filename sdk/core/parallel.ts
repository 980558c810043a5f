// parallel(): every item in a branch of its own, at most `concurrency` at once,
// waiting items started by priority, results in item order, the first failure
// rejecting (like Promise.all) and starting nothing more.

import type { ParallelOptions, RunContext } from "../context.ts";
import { InvalidArgumentError } from "../errors.ts";
import { contexts } from "./async-context.ts";

/** Runs `fn` for every item, each under the branch context `branchOf(index)` makes. */
export function runParallel<I, O>(
  items: readonly I[],
  fn: (item: I, index: number) => Promise<O>,
  options: ParallelOptions<I>,
  branchOf: (index: number) => RunContext,
): Promise<O[]> {
  // Launch order: by priority (highest first) when given, else item order. Keys stay per item.
  const order = items.map((_, index) => index);
  if (options.priority) {
    const rank = items.map((item, index) => {
      const value = options.priority?.(item, index);
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new InvalidArgumentError(`parallel() priority must return a finite number, got ${String(value)} for item ${index}`);
      }
      return value;
    });
    order.sort((a, b) => (rank[b] ?? 0) - (rank[a] ?? 0) || a - b);
  }
  const results = new Array<O>(items.length);
  const limit = Math.min(options.concurrency ?? items.length, items.length);
  return new Promise<O[]>((resolve, reject) => {
    if (items.length === 0) return resolve(results);
    let next = 0;
    let done = 0;
    let failed = false;
    const launch = (): void => {
      const index = order[next++] ?? 0;
      let branchResult: Promise<O>;
      try {
        branchResult = contexts.run(branchOf(index), () => fn(items[index] as I, index));
      } catch (error) {
        branchResult = Promise.reject(error);
      }
      Promise.resolve(branchResult).then(
        (value) => {
          results[index] = value;
          done += 1;
          if (done === items.length) resolve(results);
          else if (!failed && next < items.length) launch();
        },
        (error: unknown) => {
          // Like Promise.all: the first failure rejects; no further items start.
          if (!failed) reject(error);
          failed = true;
        },
      );
    };
    for (let i = 0; i < limit; i++) launch();
  });
}
