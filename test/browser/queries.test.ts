// Queries and published state under `wrangler dev`, as a client outside the Worker
// sees them: a run counting in a loop of tasks and then waiting for an event answers
// its counter while it waits, and again after the dev server is killed and restarted
// (the run object replays its body before it answers).
import { describe, expect, it } from "vitest";
import { BatonApiError } from "../../sdk/client/index.ts";
import { untilWaiting, useDevServer } from "./dev-server.ts";

const dev = useDevServer();

describe("queries under wrangler dev", () => {
  it("answers the body's counter while the run waits, also after the dev dev.server is killed and restarted", { timeout: 120_000 }, async () => {
    const { id } = await dev.client.start("tally", { tasks: 5 });
    const waiting = await untilWaiting(dev.client, id);
    expect(waiting.state).toEqual({ count: 5 });
    expect(await dev.client.query(id, "count")).toBe(5);
    expect(await dev.client.query(id, "times", 3)).toBe(15);
    const missing = await dev.client.query(id, "nope").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(BatonApiError);
    expect(missing).toMatchObject({ status: 404, code: "query_not_found" });

    await dev.server.kill();
    await dev.server.restart();
    expect(await dev.client.query(id, "count")).toBe(5);
    expect((await dev.client.get(id)).state).toEqual({ count: 5 });

    await dev.client.sendEvent(id, "done", {});
    const done = await dev.client.waitForEnd(id);
    expect(done).toMatchObject({ status: "completed", output: { count: 5 }, state: { count: 5 } });
    // Ended: answered from a replay of its log.
    expect(await dev.client.query(id, "count")).toBe(5);
    const told = (await dev.client.eventPage(id, { after: 0, limit: 500 })).events.filter((event) => event.type === "run.state").map((event) => event.data.state);
    expect(told.at(-1)).toEqual({ count: 5 });
  });
});
