// Updates under `wrangler dev`, as a client outside the Worker sees them: an update to
// a waiting run answers the new amount, a query then sees it, and after the dev server
// is killed and restarted the replayed body still holds it (the update is in the log).
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

describe("updates under wrangler dev", () => {
  it("applies an update to a waiting run, which a query then sees, also after the dev server is killed and restarted", { timeout: 120_000 }, async () => {
    const { id } = await client.start("purse", {});
    await untilWaiting(id);
    expect(await client.update(id, "add", 7, { idempotencyKey: `purse-${id}` })).toBe(7);
    expect(await client.query(id, "amount")).toBe(7);
    const missing = await client.update(id, "nope").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(BatonApiError);
    expect(missing).toMatchObject({ status: 404, code: "update_not_found" });

    await server.kill();
    await server.restart();
    expect(await client.query(id, "amount")).toBe(7);
    // The retry of the first update answers as it did, and applies nothing again.
    expect(await client.update(id, "add", 7, { idempotencyKey: `purse-${id}` })).toBe(7);
    expect(await client.update(id, "add", 3)).toBe(10);

    await client.sendEvent(id, "done", {});
    expect(await client.waitForEnd(id)).toMatchObject({ status: "completed", output: { amount: 10 }, state: { amount: 10 } });
  });
});
