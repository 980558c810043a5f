import { describe, expect, it } from "vitest";
import { DEFAULT_TASK_OPTIONS, InvalidArgumentError } from "baton-workflows";
import { resolveTaskOptions } from "../../sdk/options.ts";
import { isRetryable, retryDelayMs } from "../../sdk/core/retry-policy.ts";

describe("retry policy", () => {
  it("waits 1, 2, 4, 8, 16 s by default, then gives up", () => {
    const policy = DEFAULT_TASK_OPTIONS.retries;
    expect([2, 3, 4, 5, 6, 7].map((attempt) => retryDelayMs(policy, attempt))).toEqual([1000, 2000, 4000, 8000, 16000, null]);
  });

  it("grows linearly or stays constant, and never exceeds maxDelay", () => {
    expect([2, 3, 4].map((n) => retryDelayMs({ limit: 3, delay: 2, backoff: "linear" }, n))).toEqual([2000, 4000, 6000]);
    expect([2, 3].map((n) => retryDelayMs({ limit: 2, delay: 2, backoff: "constant" }, n))).toEqual([2000, 2000]);
    expect([2, 3, 4, 5].map((n) => retryDelayMs({ limit: 9, delay: 1, backoff: "exponential", maxDelay: 3 }, n))).toEqual([1000, 2000, 3000, 3000]);
    expect(retryDelayMs({ limit: 0, delay: 1, backoff: "constant" }, 2)).toBeNull();
  });

  it("does not retry FatalError or deterministic failures", () => {
    for (const name of ["FatalError", "SerializationError", "NonDeterminismError"]) expect(isRetryable({ name, message: "" })).toBe(false);
    expect(isRetryable({ name: "TypeError", message: "fetch failed" })).toBe(true);
    expect(isRetryable({ name: "TaskTimeoutError", message: "" })).toBe(true);
  });
});

describe("task options", () => {
  it("fill in the defaults", () => {
    expect(resolveTaskOptions(undefined, "task")).toEqual({ retries: { limit: 5, delay: 1, backoff: "exponential" }, timeout: 600 });
    expect(resolveTaskOptions({ retries: { limit: 1 }, timeout: 5 }, "task")).toEqual({ retries: { limit: 1, delay: 1, backoff: "exponential" }, timeout: 5 });
  });

  it.each([
    [{ retries: { limit: -1 } }, "retries.limit"],
    [{ retries: { limit: 1.5 } }, "retries.limit"],
    [{ retries: { delay: -1 } }, "retries.delay"],
    [{ retries: { backoff: "random" } }, "retries.backoff"],
    [{ retries: { maxDelay: Number.NaN } }, "retries.maxDelay"],
    [{ timeout: 0 }, "timeout"],
    [{ timeout: "10" }, "timeout"],
    [{ timout: 10 }, 'no option "timout"'],
  ])("refuse %j, naming %s", (options, fragment) => {
    expect(() => resolveTaskOptions(options as never, "task")).toThrow(InvalidArgumentError);
    expect(() => resolveTaskOptions(options as never, "task")).toThrow(fragment);
  });
});

describe("cache options", () => {
  it("take cacheTtl with an optional JSON cacheKey, and refuse a key without a TTL", () => {
    expect(resolveTaskOptions({ cacheTtl: 60 }, "task")).toMatchObject({ cacheTtl: 60, cacheKey: null });
    expect(resolveTaskOptions({ cacheTtl: 60, cacheKey: { sku: "a" } }, "task")).toMatchObject({ cacheKey: { sku: "a" } });
    expect(() => resolveTaskOptions({ cacheKey: "a" }, "task")).toThrow("cacheKey needs cacheTtl");
    expect(() => resolveTaskOptions({ cacheTtl: 0 }, "task")).toThrow("cacheTtl");
  });
});
