// The one back-off: how long to wait before the n-th try again. Task and step retries
// shape it by their policy; approval emails and signals to other runs use doubling.

/** How a wait grows from try to try. */
export type BackoffShape = "constant" | "linear" | "exponential";

/**
 * Milliseconds before the `n`-th retry (1 for the first): `baseMs` each time
 * (constant), `baseMs × n` (linear) or `baseMs × 2ⁿ⁻¹` (exponential), never above `maxMs`.
 */
export function backoffMs(shape: BackoffShape, baseMs: number, n: number, maxMs?: number): number {
  const raw = shape === "constant" ? baseMs : shape === "linear" ? baseMs * n : baseMs * 2 ** (n - 1);
  return maxMs === undefined ? raw : Math.min(raw, maxMs);
}

/** Housekeeping retries (emails, signals to other runs): 5 s, doubling, at most 10 minutes. */
export function housekeepingBackoffMs(n: number): number {
  return backoffMs("exponential", 5_000, n, 600_000);
}
