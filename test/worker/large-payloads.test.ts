// Values past the 1 MiB a row holds go to the BATON_PAYLOADS R2 bucket and the log
// carries a reference: tasks and steps returning 5 MiB reach the code that reads them,
// across an eviction, and erasing a run removes its objects.
import { abortAllDurableObjects, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bigText, sha256 } from "../workflows/large-payloads.ts";
import { api, runStub, startRun, waitForRun } from "./helpers.ts";

/** The keys of the objects kept for run `id`. */
async function objectsOf(id: string): Promise<string[]> {
  if (!env.BATON_PAYLOADS) throw new Error("the test Worker has no BATON_PAYLOADS bucket");
  const page = await env.BATON_PAYLOADS.list({ prefix: `runs/${id}/` });
  return page.objects.map((object) => object.key);
}

describe("large payloads by reference", () => {
  it("hands a 5 MiB task result and a 5 MiB step result to the tasks that read them, across an eviction", async () => {
    const expected = bigText(5);
    const id = await startRun("large-payloads", { mib: 5, pause: 1 });
    await waitForRun(id, (run) => run.status === "sleeping");
    // Every run object's memory is gone: the replay loads the result from R2.
    await abortAllDurableObjects();
    const run = await waitForRun(id, undefined, 30_000);
    expect(run.error ?? null).toBeNull();
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({
      read: { length: expected.length, hash: await sha256(expected) },
      again: { length: expected.length, hash: await sha256(expected.toUpperCase()) },
      same: true,
    });
    // The task's and the step's results, nothing inline.
    expect((await objectsOf(id)).length).toBe(2);
  });

  it("refuses a value over 100 MiB with a SerializationError naming the limit", async () => {
    const id = await startRun("large-payloads", { mib: 0, tooLarge: 100 * 1024 * 1024 + 1 });
    const run = await waitForRun(id, undefined, 60_000);
    expect(run.output).toEqual({
      refused: { name: "SerializationError", message: expect.stringContaining("over the 104857600-byte limit; that is the most one value may be (100 MiB)") as string },
    });
  }, 90_000);

  it("removes a run's objects when the run is deleted", async () => {
    const id = await startRun("large-payloads", { mib: 1 });
    expect((await waitForRun(id, undefined, 30_000)).status).toBe("completed");
    expect((await objectsOf(id)).length).toBe(2);
    expect((await api(`/api/runs/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(await objectsOf(id)).toEqual([]);
  });

  it("removes a run's objects when its retention passes", async () => {
    const id = await startRun("large-payloads", { mib: 1 });
    expect((await waitForRun(id, undefined, 30_000)).status).toBe("completed");
    expect((await objectsOf(id)).length).toBe(2);
    expect(await runStub(id).control().retentionPassed()).toBe(true);
    expect(await objectsOf(id)).toEqual([]);
  });
});
