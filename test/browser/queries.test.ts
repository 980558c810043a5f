// Queries and published state under `wrangler dev`, as a client outside the Worker
// sees them: a run counting in a loop of tasks and then waiting for an event answers
// its counter while it waits, and again after the dev server is killed and restarted
// (the run object replays its body before it answers).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatonApiError, BatonClient, type RunDetail } from "../../sdk/client/index.ts";
import { startDevServer, TOKEN, type DevServer } from "./dev-server.ts";

let server: DevServer;
let client: BatonClient;

beforeAll(async () => {
  server = await startDevServer();
  client = new BatonClient({ baseUrl: server.url, token: TOKEN });
});

afterAll(async () => {
  await server?.stop();
});

/** Polls the run until it waits (for its event). */
async function untilWaiting(id: string): Promise<RunDetail> {
  for (;;) {
    const run = await client.get(id);
    if (run.status === "waiting") return run;
    expect(["queued", "running"]).toContain(run.status);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("queries under wrangler dev", () => {
  it("answers the body's counter while the run waits, also after the dev server is killed and restarted", { timeout: 120_000 }, async () => {
    const { id } = await client.start("tally", { tasks: 5 });
    const waiting = await untilWaiting(id);
    expect(waiting.state).toEqual({ count: 5 });
    expect(await client.query(id, "count")).toBe(5);
    expect(await client.query(id, "times", 3)).toBe(15);
    const missing = await client.query(id, "nope").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(BatonApiError);
    expect(missing).toMatchObject({ status: 404, code: "query_not_found" });

    await server.kill();
    await server.restart();
    expect(await client.query(id, "count")).toBe(5);
    expect((await client.get(id)).state).toEqual({ count: 5 });

    await client.sendEvent(id, "done", {});
    const done = await client.waitForEnd(id);
    expect(done).toMatchObject({ status: "completed", output: { count: 5 }, state: { count: 5 } });
    // Ended: answered from a replay of its log.
    expect(await client.query(id, "count")).toBe(5);
    const told = (await client.eventPage(id, { after: 0, limit: 500 })).events.filter((event) => event.type === "run.state").map((event) => event.data.state);
    expect(told.at(-1)).toEqual({ count: 5 });
  });
});
