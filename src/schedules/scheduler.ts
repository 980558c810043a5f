// One Durable Object per scheduled workflow: it turns each due tick into at most one
// run. The run's id comes from the workflow and the minute, so a tick delivered twice
// (a repeated scheduled event, a retried invocation) reaches the run the first one
// started; the object also remembers its recent ticks for `GET /api/workflows` and to
// tell whether the previous scheduled run is still active.

import { DurableObject } from "cloudflare:workers";
import { issuesText } from "baton-workflows";
import { isTerminal } from "baton-workflows/engine";
import type { ScheduleOverlap, ScheduledInput } from "baton-workflows";
import type { Env } from "../env.ts";
import { runIdFromKey } from "../runs/run-ids.ts";
import { chainSummary } from "../runs/continue-as-new.ts";
import { text } from "../runs/rows.ts";

/** What a tick asks of a workflow's scheduler. */
export interface TickRequest {
  workflow: string;
  /** The minute that is due, as an ISO time in UTC. */
  scheduledAt: string;
  overlap: ScheduleOverlap;
}

/** What became of a tick. */
export interface TickResult {
  scheduledAt: string;
  /** "started": `runId` is the run this tick started; "skipped": `runId` is the scheduled run that was still active. */
  outcome: "started" | "skipped";
  runId: string;
  /** True when this minute had already been handled (a repeated tick) and nothing new happened. */
  repeated: boolean;
}

/** Ticks remembered per workflow; older ones are forgotten. */
const KEPT_TICKS = 100;

export class Scheduler extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS ticks (scheduled_at TEXT PRIMARY KEY, outcome TEXT NOT NULL, run_id TEXT NOT NULL)",
    );
  }

  /** Starts the run due at `scheduledAt`, unless this minute was handled or overlap "skip" finds the last run active. */
  async tick(request: TickRequest): Promise<TickResult> {
    // One tick at a time: with two in flight, "skip" could miss the run the other is starting.
    return this.ctx.blockConcurrencyWhile(() => this.handle(request));
  }

  /** The most recent tick, or null before the first one. */
  async last(): Promise<TickResult | null> {
    const row = this.ctx.storage.sql.exec("SELECT scheduled_at, outcome, run_id FROM ticks ORDER BY scheduled_at DESC LIMIT 1").toArray()[0];
    return row ? { ...tickOf(row), repeated: false } : null;
  }

  private async handle(request: TickRequest): Promise<TickResult> {
    const sql = this.ctx.storage.sql;
    const seen = sql.exec("SELECT scheduled_at, outcome, run_id FROM ticks WHERE scheduled_at = ?", request.scheduledAt).toArray()[0];
    if (seen) return { ...tickOf(seen), repeated: true };

    if (request.overlap === "skip") {
      const previous = sql
        .exec("SELECT run_id FROM ticks WHERE outcome = 'started' AND scheduled_at < ? ORDER BY scheduled_at DESC LIMIT 1", request.scheduledAt)
        .toArray()[0];
      if (previous) {
        const runId = text(previous, "run_id");
        // A run that continued as new is over when its chain is; one deleted since (retention, DELETE) is over too.
        const run = await chainSummary(this.env, runId);
        if (run && !isTerminal(run.status)) return this.record(request.scheduledAt, "skipped", runId, false);
      }
    }

    const key = `schedule:${request.workflow}:${request.scheduledAt}`;
    const id = await runIdFromKey(key);
    const input: ScheduledInput = { scheduledAt: request.scheduledAt };
    const started = await this.env.RUNS.get(this.env.RUNS.idFromName(id)).start({ id, workflow: request.workflow, input: { ...input }, idempotencyKey: key, origin: null });
    // The tick fails, visibly in the Worker's cron events; the next minute is unaffected.
    if (started.invalid) throw new Error(`baton: workflow ${request.workflow}'s input schema refuses its scheduled input {scheduledAt}: ${issuesText(started.invalid)}`);
    return this.record(request.scheduledAt, "started", id, !started.created);
  }

  private record(scheduledAt: string, outcome: TickResult["outcome"], runId: string, repeated: boolean): TickResult {
    const sql = this.ctx.storage.sql;
    sql.exec("INSERT INTO ticks (scheduled_at, outcome, run_id) VALUES (?, ?, ?)", scheduledAt, outcome, runId);
    sql.exec("DELETE FROM ticks WHERE scheduled_at NOT IN (SELECT scheduled_at FROM ticks ORDER BY scheduled_at DESC LIMIT ?)", KEPT_TICKS);
    return { scheduledAt, outcome, runId, repeated };
  }
}

function tickOf(row: Record<string, SqlStorageValue>): Omit<TickResult, "repeated"> {
  const outcome = text(row, "outcome");
  return { scheduledAt: text(row, "scheduled_at"), outcome: outcome === "skipped" ? "skipped" : "started", runId: text(row, "run_id") };
}
