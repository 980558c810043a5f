// A workflow's schedule: the options `workflow(fn, { schedule })` takes. The SDK checks
// their shape; the Worker reads the cron expression itself (and the registry build
// refuses one it cannot read), since parsing cron needs a library the SDK does without.

import { onlyKnownKeys } from "./duration.ts";
import { InvalidArgumentError } from "./errors.ts";
import { isStandardSchema, type StandardSchema } from "./schema.ts";

/** What a due tick does while the previous scheduled run is still active. */
export type ScheduleOverlap = "skip" | "allow";

/** Options of `workflow(fn, options)`. */
export interface WorkflowOptions {
  /** A cron expression (five fields, e.g. "0 9 * * 1-5", or @hourly, @daily, @weekly, @monthly, @yearly); the scheduler starts a run at each match with input `{scheduledAt}`. */
  schedule?: string;
  /** The IANA time zone the schedule is read in, e.g. "Europe/Berlin" (default "UTC"). */
  timezone?: string;
  /** "skip" (default): a tick starts nothing while the previous scheduled run is active; "allow": every tick starts a run. */
  overlap?: ScheduleOverlap;
  /** A Standard Schema (zod, valibot, arktype…) the input must fit: a start that does not is refused (400 invalid_input), and the body gets the schema's output. */
  input?: StandardSchema;
  /** A Standard Schema the result must fit; a result that does not fails the run with InvalidOutputError. */
  output?: StandardSchema;
}

/** The input a scheduled run starts with. */
export interface ScheduledInput {
  /** The minute the run was due, as an ISO 8601 time in UTC (e.g. "2026-11-30T09:00:00.000Z"). */
  scheduledAt: string;
}

/** A workflow's schedule with its defaults filled in. */
export interface Schedule {
  cron: string;
  timezone: string;
  overlap: ScheduleOverlap;
}

/** Checks `workflow()`'s options and answers the schedule they declare, or null. */
export function resolveSchedule(options: WorkflowOptions | undefined): Schedule | null {
  if (options === undefined) return null;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError("workflow()'s options must be an object, e.g. { schedule: \"0 9 * * *\" }");
  }
  onlyKnownKeys(options, ["schedule", "timezone", "overlap", "input", "output"], "workflow()");
  for (const key of ["input", "output"] as const) {
    if (options[key] !== undefined && !isStandardSchema(options[key])) throw new InvalidArgumentError(`workflow()'s ${key} must be a Standard Schema (a zod, valibot or arktype schema, for example)`);
  }
  const { schedule, timezone, overlap } = options;
  if (schedule === undefined) {
    if (timezone !== undefined || overlap !== undefined) {
      throw new InvalidArgumentError("workflow()'s timezone and overlap only apply with a schedule, e.g. { schedule: \"0 9 * * *\", timezone: \"Europe/Berlin\" }");
    }
    return null;
  }
  if (typeof schedule !== "string" || schedule.trim() === "") {
    throw new InvalidArgumentError(`workflow()'s schedule must be a cron expression such as "*/5 * * * *", got ${JSON.stringify(schedule) ?? String(schedule)}`);
  }
  if (timezone !== undefined && (typeof timezone !== "string" || !isTimeZone(timezone))) {
    throw new InvalidArgumentError(`workflow()'s timezone must be an IANA time zone such as "Europe/Berlin" or "UTC", got ${JSON.stringify(timezone) ?? String(timezone)}`);
  }
  if (overlap !== undefined && overlap !== "skip" && overlap !== "allow") {
    throw new InvalidArgumentError(`workflow()'s overlap must be "skip" or "allow", got ${JSON.stringify(overlap) ?? String(overlap)}`);
  }
  return { cron: schedule.trim(), timezone: timezone ?? "UTC", overlap: overlap ?? "skip" };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
