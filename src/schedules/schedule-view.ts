// The registered workflows and scripts as `GET /api/workflows` and the console show
// them: a scheduled workflow with its cron expression, next due time and last tick.

import { inputJsonSchema, type Workflow } from "baton-workflows";
import type { WorkflowEntry } from "baton-workflows/client";
import type { Env } from "../env.ts";
import { registry } from "../registry.ts";
import { remoteCatalog } from "../remote/remote-catalog.ts";
import { schedulerOf } from "./ticks.ts";

/** Every registered workflow and script, sorted by name, with those workers you run serve; schedules read at `now`. */
export async function workflowEntries(env: Env, now = Date.now()): Promise<WorkflowEntry[]> {
  const own = await ownEntries(env, now);
  const names = new Set(own.map((entry) => entry.name));
  const remote = [...(await remoteCatalog(env, now)).values()]
    .filter((entry) => !names.has(entry.name))
    .map((entry): WorkflowEntry => ({ ...local, name: entry.name, kind: entry.kind, version: entry.version, language: entry.language, queue: entry.queue, workerSeenAt: new Date(entry.lastSeen).toISOString() }));
  return [...own, ...remote].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What every Worker's own entry says of where it runs. */
const local = { language: "typescript", queue: null, workerSeenAt: null, schedule: null, inputSchema: null } as const;

async function ownEntries(env: Env, now: number): Promise<WorkflowEntry[]> {
  return Promise.all(
    registry.list().map(async (entry): Promise<WorkflowEntry> => {
      const { name, kind, version } = entry;
      const input = entry.kind === "workflow" ? ((entry.workflow as Partial<Workflow>).input ?? null) : null;
      const inputSchema = input && inputJsonSchema(input);
      if (entry.kind !== "workflow" || entry.schedule === null) return { ...local, name, kind, version, inputSchema };
      const { cron, timezone, overlap } = entry.schedule.schedule;
      // The list still answers when a scheduler cannot: its last tick shows as unknown (null).
      const last = await schedulerOf(env, name)
        .last()
        .catch((error: unknown) => {
          console.error(`baton: the scheduler of ${name} did not answer: ${String(error)}`);
          return null;
        });
      const next = entry.schedule.next(now);
      return {
        ...local,
        name,
        kind,
        version,
        schedule: { cron, timezone, overlap, next: next && next.toISOString(), last: last && { scheduledAt: last.scheduledAt, outcome: last.outcome, runId: last.runId } },
        inputSchema,
      };
    }),
  );
}
