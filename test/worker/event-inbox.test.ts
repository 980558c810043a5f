// Events safe to retry and bounded: an Idempotency-Key makes a repeated send answer as
// the first did and deliver nothing twice (another event under the key: 409); the events
// a run keeps for a wait are bounded in count, bytes (its own and the run's 64 MiB) and
// age, listed in its detail, and dropped when it ends.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BatonClient, type EventSentView } from "baton-workflows/client";
import { main } from "../../sdk/cli/index.ts";
import { INBOX_EVENT_TTL_MS, MAX_INBOX_BYTES, MAX_INBOX_EVENTS } from "../../src/runs/event-inbox.ts";
import { Browser } from "./console-browser.ts";
import { api, getRun, runStub, startRun, TOKEN, waitForRun } from "./helpers.ts";

function send(id: string, name: string, body: unknown, key?: string): Promise<Response> {
  return api(`/api/runs/${id}/events/${encodeURIComponent(name)}`, { method: "POST", json: body, headers: key === undefined ? {} : { "Idempotency-Key": key } });
}

/** A run of `inbox` asleep, so every event sent now is kept. */
async function sleepingInbox(n: number): Promise<string> {
  const id = await startRun("inbox", { pause: 3600, n });
  await waitForRun(id, (run) => run.status === "sleeping");
  return id;
}

describe("events with an Idempotency-Key", () => {
  it("a send repeated with its key is answered as the first and kept once; a later event is not displaced", async () => {
    const id = await sleepingInbox(2);
    const first = await send(id, "ping", { payload: { n: 1 } }, "k-1");
    const again = await send(id, "ping", { payload: { n: 1 } }, "k-1");
    expect([first.status, again.status]).toEqual([202, 202]);
    expect((await again.json()) as EventSentView).toEqual((await first.json()) as EventSentView);
    expect((await send(id, "ping", { payload: { n: 2 } }, "k-2")).status).toBe(202);
    expect((await getRun(id)).inbox.map((event) => event.name)).toEqual(["ping", "ping"]);
    await runStub(id).control().skipWait();
    const run = await waitForRun(id);
    expect(run.output).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("a send to a waiting run repeated with its key settles the wait once, even after the run ended", async () => {
    const id = await startRun("inbox", { pause: 0, n: 1 });
    await waitForRun(id, (run) => run.status === "waiting");
    const first = await send(id, "ping", { payload: "a" }, "k-wait");
    expect((await first.json()) as EventSentView).toMatchObject({ name: "ping", deliveredTo: "ping#0", waiting: true });
    const run = await waitForRun(id);
    expect(run.output).toEqual(["a"]);
    const again = await send(id, "ping", { payload: "a" }, "k-wait");
    expect(again.status).toBe(202);
    expect((await again.json()) as EventSentView).toMatchObject({ name: "ping", deliveredTo: "ping#0", waiting: true });
  });

  it("another event under a used key is refused with 409 idempotency_conflict and changes nothing", async () => {
    const id = await sleepingInbox(1);
    expect((await send(id, "ping", { payload: 1 }, "k-c")).status).toBe(202);
    for (const [name, payload] of [["ping", 2], ["pong", 1]] as const) {
      const other = await send(id, name, { payload }, "k-c");
      expect(other.status).toBe(409);
      expect(await other.json()).toMatchObject({ error: { code: "idempotency_conflict" } });
    }
    expect((await getRun(id)).inbox).toHaveLength(1);
    const bad = await send(id, "ping", { payload: 1 }, "has space");
    expect(bad.status).toBe(400);
    expect((await getRun(id)).inbox).toHaveLength(1);
  });

  it("BatonClient.sendEvent and `baton event --idempotency-key` deliver a retried event once", async () => {
    const id = await sleepingInbox(2);
    const client = new BatonClient({ baseUrl: "https://baton.test", token: TOKEN, fetch: (request) => SELF.fetch(request) });
    await client.sendEvent(id, "ping", 1, { idempotencyKey: "c-1" });
    await client.sendEvent(id, "ping", 1, { idempotencyKey: "c-1" });
    const cli = (argv: string[]) => main(argv, { env: { BATON_URL: "https://baton.test", BATON_TOKEN: TOKEN }, out: () => {}, err: () => {}, fetch: (request) => SELF.fetch(request) });
    expect(await cli(["event", id, "ping", "--payload", "2", "--idempotency-key", "c-2"])).toBe(0);
    expect(await cli(["event", id, "ping", "--payload", "2", "--idempotency-key", "c-2"])).toBe(0);
    expect(await cli(["event", id, "ping", "--payload", "3", "--idempotency-key", "c-2"])).toBe(1);
    expect((await getRun(id)).inbox).toHaveLength(2);
    await runStub(id).control().skipWait();
    expect((await waitForRun(id)).output).toEqual([1, 2]);
  });
});

describe("a run's inbox", () => {
  it(`keeps at most ${MAX_INBOX_EVENTS} events, lists them in the run's detail, and refuses more with 429 inbox_full`, async () => {
    const id = await sleepingInbox(1);
    const before = Date.now();
    for (let i = 0; i < MAX_INBOX_EVENTS; i++) expect(await runStub(id).sendEvent("ping", i)).toMatchObject({ status: "accepted" });
    const over = await send(id, "ping", { payload: "one more" });
    expect(over.status).toBe(429);
    const body = (await over.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("inbox_full");
    expect(body.error.message).toContain(String(MAX_INBOX_EVENTS));
    const run = await getRun(id);
    expect(run.inbox).toHaveLength(MAX_INBOX_EVENTS);
    expect(run.inbox[0]).toMatchObject({ name: "ping", size: 1 });
    expect(Date.parse(run.inbox[0]?.sentAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(run.inbox[0]?.expiresAt ?? "") - Date.parse(run.inbox[0]?.sentAt ?? "")).toBe(INBOX_EVENT_TTL_MS);
    // A wait still takes events: the oldest first.
    await runStub(id).control().skipWait();
    expect((await waitForRun(id)).output).toEqual([0]);
    // The run ended: what it kept is gone.
    expect((await getRun(id)).inbox).toEqual([]);
  });

  it(`keeps at most ${MAX_INBOX_BYTES} bytes of events, and no more than the run may hold`, async () => {
    const id = await sleepingInbox(1);
    const mb = "x".repeat(1_000_000);
    for (let i = 0; i < 8; i++) expect((await send(id, "ping", { payload: mb })).status).toBe(202);
    const over = await send(id, "ping", { payload: mb });
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { message: string } }).error.message).toContain(String(MAX_INBOX_BYTES));
    expect((await getRun(id)).inbox).toHaveLength(8);

    const small = await sleepingInbox(1);
    await runStub(small).control().useLimits({ logBytes: 5_000 });
    expect((await send(small, "ping", { payload: "y".repeat(3_000) })).status).toBe(202);
    const past = await send(small, "ping", { payload: "y".repeat(3_000) });
    expect(past.status).toBe(429);
    expect(((await past.json()) as { error: { message: string } }).error.message).toMatch(/5000-byte limit per run/);
    // A wait takes an event whatever the inbox holds.
    await runStub(small).control().skipWait();
    expect((await waitForRun(small)).status).toBe("completed");
  });

  it("drops events no wait took within their age: the detail no longer lists them and a wait does not take them", async () => {
    const id = await sleepingInbox(1);
    expect((await send(id, "ping", { payload: "old" })).status).toBe(202);
    await runStub(id).control().ageKeptEvents(INBOX_EVENT_TTL_MS + 1);
    expect((await getRun(id)).inbox).toEqual([]);
    expect((await send(id, "ping", { payload: "new" })).status).toBe(202);
    await runStub(id).control().skipWait();
    expect((await waitForRun(id)).output).toEqual(["new"]);
  });

  it("the console's event form refuses a payload over the API's limit and sends nothing", async () => {
    const id = await sleepingInbox(1);
    const browser = await Browser.signedIn();
    const page = await browser.post(`/runs/${id}/events`, { name: "ping", payload: JSON.stringify("z".repeat(1024 * 1024)) });
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("Nothing was sent");
    expect((await getRun(id)).inbox).toEqual([]);
  });
});
