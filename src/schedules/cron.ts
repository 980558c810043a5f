// Reading a workflow's schedule: croner parses the cron expression (five fields or a
// nickname such as @daily) in the schedule's time zone. The registry build runs the
// same checks (`baton build`, sdk/bin/build.mjs), so a schedule that fails here fails the
// build first.

import { Cron } from "croner";
import type { Schedule } from "baton-workflows";

/** A parsed schedule, ready to answer whether a minute is due and when the next one is. */
export interface CronSchedule {
  schedule: Schedule;
  /** True when the minute starting at `minuteMs` matches the expression. */
  due(minuteMs: number): boolean;
  /** The first matching minute after `afterMs`, or null when there is none. */
  next(afterMs: number): Date | null;
}

/** Parses `schedule`; throws an Error saying what is wrong with the expression. */
export function parseSchedule(schedule: Schedule): CronSchedule {
  const cron = new Cron(schedule.cron, { mode: "5-part", timezone: schedule.timezone });
  if (cron.nextRun(new Date()) === null) throw new Error(`"${schedule.cron}" never matches a date`);
  return {
    schedule,
    due: (minuteMs) => cron.match(new Date(minuteMs)),
    next: (afterMs) => cron.nextRun(new Date(afterMs)),
  };
}

/** The start of the minute `ms` falls in. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}
