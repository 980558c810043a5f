// The cron trigger's handler: every minute, each workflow whose schedule matches the
// minute gets a tick at its own scheduler, which starts the run (or skips it while the
// previous one is active). The minute comes from the event's scheduled time, not the
// clock, so a late or repeated event still names the minute it was for.

import type { Env } from "../env.ts";
import { registry } from "../registry.ts";
import { minuteOf } from "./cron.ts";
import type { TickResult } from "./scheduler.ts";

/** Ticks every workflow due in the minute of `scheduledTime`; throws after all ticks when any failed. */
export async function runDueSchedules(scheduledTime: number, env: Env): Promise<TickResult[]> {
  const minute = minuteOf(scheduledTime);
  const scheduledAt = new Date(minute).toISOString();
  const due = registry.list().flatMap((entry) => (entry.kind === "workflow" && entry.schedule?.due(minute) ? [{ name: entry.name, overlap: entry.schedule.schedule.overlap }] : []));
  const settled = await Promise.allSettled(due.map(({ name, overlap }) => schedulerOf(env, name).tick({ workflow: name, scheduledAt, overlap })));
  const failed = settled.flatMap((result, i) => (result.status === "rejected" ? [`${due[i]?.name ?? "?"}: ${String(result.reason)}`] : []));
  // Failing the event makes it show as an error in the Worker's cron events; the next minute is unaffected.
  if (failed.length > 0) throw new Error(`baton: the schedule tick at ${scheduledAt} failed for ${failed.join("; ")}`);
  return settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
}

/** The scheduler object of workflow `name`. */
export function schedulerOf(env: Env, name: string) {
  return env.SCHEDULER.get(env.SCHEDULER.idFromName(name));
}
