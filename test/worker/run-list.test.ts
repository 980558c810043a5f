// The sharded run list: runs spread over the list objects by id, listed newest first
// across all of them with a cursor that pages without gaps or repeats, and runs listed
// before sharding (in the one list object there was) still found, never twice.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RunPage, RunSummary } from "baton-workflows/client";
import { INDEX_SHARDS, shardOf } from "../../src/run-list/run-list.ts";
import { api, startRun, waitForRun } from "./helpers.ts";

async function allPages(query: string): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (await api(`/api/runs?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)).json()) as RunPage;
    runs.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor);
  return runs;
}

describe("the run list", () => {
  it("spreads runs over its shards and lists them newest first, page by page, each once", async () => {
    const tag = crypto.randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await startRun("sleeper", { tag, seconds: 0 }));
    expect(new Set(ids.map(shardOf)).size).toBeGreaterThan(INDEX_SHARDS / 2);
    await Promise.all(ids.map((id) => waitForRun(id)));
    const listed = (await allPages("workflow=sleeper&limit=7")).filter((run) => ids.includes(run.id));
    expect(listed.map((run) => run.id).sort()).toEqual([...ids].sort());
    const times = listed.map((run) => Date.parse(run.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(listed.every((run) => run.status === "completed")).toBe(true);
  });

  it("still lists a run listed before sharding, and an updated one once, with its newer status", async () => {
    const legacy = env.RUN_INDEX.get(env.RUN_INDEX.idFromName("runs"));
    const summary = (id: string, status: RunSummary["status"]): RunSummary => ({
      id,
      workflow: "legacy-list",
      kind: "workflow",
      status,
      parentId: null,
      createdAt: new Date(Date.parse("2020-01-01T00:00:00Z") + id.length).toISOString(),
      updatedAt: new Date().toISOString(),
    });
    // One never updated since, one updated under the sharded list (and so in its own shard too).
    let moved = crypto.randomUUID();
    while (shardOf(moved) === 0) moved = crypto.randomUUID();
    const stayed = `${crypto.randomUUID()}-x`;
    await legacy.upsert(summary(stayed, "sleeping"), 3);
    await legacy.upsert(summary(moved, "running"), 2);
    await env.RUN_INDEX.get(env.RUN_INDEX.idFromName(`runs-${shardOf(moved)}`)).upsert(summary(moved, "completed"), 5);
    const listed = await allPages("workflow=legacy-list");
    expect(listed.map((run) => [run.id, run.status]).sort()).toEqual([
      [moved, "completed"],
      [stayed, "sleeping"],
    ].sort());
  });
});
