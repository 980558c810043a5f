// Updates under `wrangler dev`, as a client outside the Worker sees them: an update to
// a waiting run answers the new amount, a query then sees it, and after the dev server
// is killed and restarted the replayed body still holds it (the update is in the log).
import { describe, expect, it } from "vitest";
import { BatonApiError } from "../../sdk/client/index.ts";
import { untilWaiting, useDevServer } from "./dev-server.ts";

const dev = useDevServer();

describe("updates under wrangler dev", () => {
  it("applies an update to a waiting run, which a query then sees, also after the dev dev.server is killed and restarted", { timeout: 120_000 }, async () => {
    const { id } = await dev.client.start("purse", {});
    await untilWaiting(dev.client, id);
    expect(await dev.client.update(id, "add", 7, { idempotencyKey: `purse-${id}` })).toBe(7);
    expect(await dev.client.query(id, "amount")).toBe(7);
    const missing = await dev.client.update(id, "nope").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(BatonApiError);
    expect(missing).toMatchObject({ status: 404, code: "update_not_found" });

    await dev.server.kill();
    await dev.server.restart();
    expect(await dev.client.query(id, "amount")).toBe(7);
    // The retry of the first update answers as it did, and applies nothing again.
    expect(await dev.client.update(id, "add", 7, { idempotencyKey: `purse-${id}` })).toBe(7);
    expect(await dev.client.update(id, "add", 3)).toBe(10);

    await dev.client.sendEvent(id, "done", {});
    expect(await dev.client.waitForEnd(id)).toMatchObject({ status: "completed", output: { amount: 10 }, state: { amount: 10 } });
  });
});
