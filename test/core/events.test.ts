// waitForEvent and sleepUntil on runLocally: events kept until their wait comes, first
// in first out per name, a timeout caught as EventTimeoutError, sleeps to a set time.
import { describe, expect, it } from "vitest";
import { runLocally } from "baton-workflows/testing";
import { EventTimeoutError, InvalidArgumentError, waitForEvent, workflow } from "baton-workflows";
import events from "../workflows/events.ts";

const START = Date.parse("2026-11-30T00:00:00Z");

describe("events", () => {
  it("keeps an event sent before the wait, delivers one sent during it, and times out a missing one", async () => {
    const run = await runLocally(events, { pause: 10 }, {
      startAt: START,
      events: [
        { name: "ping", payload: { n: 1 } },
        { name: "ping", payload: { n: 2 }, after: "1 minute" },
      ],
    });
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ first: { n: 1 }, second: { n: 2 } });
    expect((run.output as { missing: string }).missing).toMatch(/^timed out: no event "never" came/);
    const [first, second, never] = run.steps.filter((step) => step.kind === "event");
    expect([first?.key, first?.event, first?.endedAt]).toEqual(["ping#0", "ping", new Date(START + 10_000).toISOString()]);
    expect([second?.key, second?.endedAt]).toEqual(["ping#1", new Date(START + 60_000).toISOString()]);
    expect(never).toMatchObject({ key: "never#0", status: "failed", error: { name: "EventTimeoutError" } });
  });

  it("hands kept events to waits first in, first out", async () => {
    const run = await runLocally(events, { pause: 10 }, {
      startAt: START,
      events: [
        { name: "ping", payload: { n: "a" } },
        { name: "other", payload: "ignored" },
        { name: "ping", payload: { n: "b" } },
      ],
    });
    expect(run.output).toMatchObject({ first: { n: "a" }, second: { n: "b" } });
  });

  it("sleeps until a given time, on the recorded clock", async () => {
    const wakeAt = new Date(START + 3 * 3600_000).toISOString();
    const run = await runLocally(events, { pause: 1, wakeAt }, { startAt: START, events: [{ name: "ping" }, { name: "ping" }] });
    expect(run.output).toMatchObject({ at: wakeAt });
    expect(run.steps.filter((step) => step.kind === "sleep").map((step) => step.key)).toEqual(["sleep#0", "until#0"]);
  });

  it("throws EventTimeoutError into the workflow, where an uncaught one fails the run", async () => {
    const strict = workflow(async () => waitForEvent("approval-from-billing", { timeout: "2 hours" }));
    const run = await runLocally(strict, undefined, { startAt: START });
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "EventTimeoutError", code: "event_timeout" });
    expect(run.updatedAt).toBe(new Date(START + 2 * 3600_000).toISOString());
    expect(new EventTimeoutError("x")).toBeInstanceOf(Error);
  });

  it("refuses a bad event name or options, naming what to fix", async () => {
    const bad = workflow(async () => waitForEvent("has spaces"));
    const run = await runLocally(bad, undefined);
    expect(run.error).toMatchObject({ name: "InvalidArgumentError" });
    expect(run.error?.message).toContain("event name");
    const badOptions = workflow(async () => waitForEvent("ok", { timeout: "soon" } as never));
    expect((await runLocally(badOptions, undefined)).error?.name).toBe(new InvalidArgumentError("x").name);
  });
});
