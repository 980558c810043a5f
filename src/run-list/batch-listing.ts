// A batch start's listing: the runs it started, written to the run list one call per
// shard carrying all of that shard's rows, instead of one call per run. Each row is the
// revision its run object answered the start with (index-sync.ts: the run leaves that
// revision to the batch), so it is the same write the run object's own catch-up (its
// alarm, should the batch die first) would make, and the index keeps the newer of two.

import type { Env } from "../env.ts";
import type { Listed } from "./index-sync.ts";
import { indexFor, shardOf } from "./run-list.ts";

/** Lists every run in `rows` (a run given twice once, at its newest revision), one call per shard, all shards at once; answers the ids of runs whose shard could not be written. */
export async function listBatch(env: Env, rows: readonly Listed[]): Promise<string[]> {
  const newest = new Map<string, Listed>();
  for (const row of rows) {
    const seen = newest.get(row.run.id);
    if (!seen || row.revision > seen.revision) newest.set(row.run.id, row);
  }
  const byShard = new Map<number, Listed[]>();
  for (const row of newest.values()) {
    const shard = shardOf(row.run.id);
    byShard.set(shard, [...(byShard.get(shard) ?? []), row]);
  }
  const shards = [...byShard.values()];
  const written = await Promise.allSettled(shards.map((shard) => indexFor(env, shard[0]?.run.id ?? "").upsertMany(shard.map(({ run, revision }) => ({ summary: run, revision })))));
  return written.flatMap((result, i) => {
    if (result.status === "fulfilled") return [];
    console.error(`baton: a batch's listing of ${shards[i]?.length ?? 0} runs failed; each run lists itself: ${String(result.reason)}`);
    return (shards[i] ?? []).map((row) => row.run.id);
  });
}
