// Durations as authors write them: a number of seconds, or a Cloudflare-style string
// ("30 seconds", "5 minutes", "1 hour", "2 days"), checked where they are given.

import { InvalidArgumentError } from "./errors.ts";

/** A unit a duration string may use, singular or plural (Cloudflare Workflows' labels, plus milliseconds). */
export type DurationUnit = "millisecond" | "second" | "minute" | "hour" | "day" | "week" | "month" | "year";

/** Seconds, or a string such as "30 seconds", "5 minutes", "1 hour", "2 days". */
export type Duration = number | `${number} ${DurationUnit}` | `${number} ${DurationUnit}s`;

const SECONDS: Record<DurationUnit, number> = {
  millisecond: 0.001,
  second: 1,
  minute: 60,
  hour: 3_600,
  day: 86_400,
  week: 604_800,
  // As Cloudflare Workflows counts them.
  month: 2_592_000,
  year: 31_536_000,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(millisecond|second|minute|hour|day|week|month|year)s?\s*$/i;

/**
 * The number of seconds `value` stands for; throws InvalidArgumentError naming `what`
 * when it is neither a finite number nor a duration string, or is below `min`
 * (`strict`: must be above it).
 */
export function toSeconds(value: unknown, what: string, min = 0, strict = false): number {
  let seconds: number | undefined;
  if (typeof value === "number") seconds = value;
  else if (typeof value === "string") {
    const match = PATTERN.exec(value);
    if (match) seconds = Number(match[1]) * SECONDS[(match[2] ?? "second").toLowerCase() as DurationUnit];
  }
  const bound = strict ? `> ${min}` : `≥ ${min}`;
  if (seconds === undefined || !Number.isFinite(seconds) || (strict ? seconds <= min : seconds < min)) {
    throw new InvalidArgumentError(
      `${what} must be a number of seconds ${bound} or a duration such as "30 seconds", "5 minutes", "1 hour" or "2 days", got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return seconds;
}

/** Throws InvalidArgumentError when `options` has a key outside `known`, naming it and what is taken. */
export function onlyKnownKeys(options: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const list = known.length > 1 ? `${known.slice(0, -1).join(", ")} and ${known.at(-1) ?? ""}` : (known[0] ?? "nothing");
      throw new InvalidArgumentError(`${what} has no option "${key}"; it takes ${list}`);
    }
  }
}
