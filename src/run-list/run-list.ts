// The run list, sharded: each run is listed in one of INDEX_SHARDS RunIndex objects,
// chosen by its id, so no object is shared by every run on the hot path (a start waits
// only on its own shard, which keeps a run listed by the time its start is answered).
// A listing asks every shard for its newest matching runs and merges them newest
// first; the cursor, a (created, id) position, means the same in every shard.

import type { Env } from "../env.ts";
import type { RunObject } from "../runs/run-object.ts";
import type { RunPage, RunQuery } from "./run-index.ts";
import { encodeCursor } from "./run-index.ts";

/** How many list objects the runs are spread over. Fixed: a run's shard must not move. */
export const INDEX_SHARDS = 16;

/**
 * The name of shard `n`. Shard 0 keeps the name the unsharded list had, so runs listed
 * before sharding are still found (see `list`, which also reads it for every query).
 */
function shardName(n: number): string {
  return n === 0 ? "runs" : `runs-${n}`;
}

/** The shard a run is listed in. */
export function shardOf(runId: string): number {
  let hash = 2166136261;
  for (let i = 0; i < runId.length; i++) hash = Math.imul(hash ^ runId.charCodeAt(i), 16777619);
  return (hash >>> 0) % INDEX_SHARDS;
}

/** The list object run `runId` is listed in. */
export function indexFor(env: Env, runId: string) {
  return env.RUN_INDEX.get(env.RUN_INDEX.idFromName(shardName(shardOf(runId))));
}

/** Shard 0 under the name the unsharded list had: runs listed before sharding are there. */
export function legacyShard(env: Env) {
  return env.RUN_INDEX.get(env.RUN_INDEX.idFromName(shardName(0)));
}

/** Every list object. */
export function shards(env: Env) {
  return Array.from({ length: INDEX_SHARDS }, (_, n) => env.RUN_INDEX.get(env.RUN_INDEX.idFromName(shardName(n))));
}

/** Runs matching `query` across every shard, newest first, with a cursor that resumes after the last. */
export async function listRuns(env: Env, query: RunQuery): Promise<RunPage> {
  const pages = await Promise.all(shards(env).map((shard) => shard.list(query)));
  // A run listed before sharding and updated since is in shard 0 and its own: its newer copy wins.
  const byId = new Map<string, { summary: RunPage["runs"][number]; revision: number }>();
  for (const page of pages) {
    for (const [i, summary] of page.runs.entries()) {
      const revision = page.revisions[i] ?? 0;
      const seen = byId.get(summary.id);
      if (!seen || revision > seen.revision) byId.set(summary.id, { summary, revision });
    }
  }
  const merged = [...byId.values()]
    .map(({ summary }) => summary)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0));
  const runs = merged.slice(0, query.limit);
  const last = runs[runs.length - 1];
  // More exist when any shard had more than it answered, or the merge holds more than a page.
  const more = merged.length > query.limit || pages.some((page) => page.nextCursor !== null);
  return { runs, nextCursor: more && last ? encodeCursor(Date.parse(last.createdAt), last.id) : null };
}

/** Takes a deleted run off the list: its shard, and shard 0, where it may be listed from before sharding. */
export async function unlist(env: Env, runId: string, createdAt: number): Promise<void> {
  const shard = shardOf(runId);
  await Promise.all([indexFor(env, runId).remove(runId, createdAt), ...(shard === 0 ? [] : [legacyShard(env).remove(runId, createdAt)])]);
}

/**
 * The run object of `runId` when the run is listed, else null. Asked before any request
 * from outside reaches a run object: waking the object of an id never started would
 * create its storage, so reads of made-up ids could grow storage without limit. Every
 * run is listed by the time its start is answered (a start cut off by a crash, by its
 * alarm within the liveness window or by the retry of the start).
 */
export async function listedRun(env: Env, runId: string): Promise<DurableObjectStub<RunObject> | null> {
  const shard = shardOf(runId);
  const listed = (await indexFor(env, runId).has(runId)) || (shard !== 0 && (await legacyShard(env).has(runId)));
  return listed ? env.RUNS.get(env.RUNS.idFromName(runId)) : null;
}
