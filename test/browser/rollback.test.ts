// Saga rollback end to end under `wrangler dev`: a booking saga whose car fails runs the
// hotel's rollback, then the flight's, and ends failed with the car's error, as a
// client reads it from GET /api/runs/{id}; and BatonClient.cancel(id, { rollback: true })
// of the saga while it sleeps runs the same two rollbacks before it ends cancelled.
import { describe, expect, it } from "vitest";
import { RunFailedError } from "../../sdk/client/index.ts";
import { TOKEN, useDevServer } from "./dev-server.ts";

const dev = useDevServer();

describe("saga rollback under wrangler dev", () => {
  it("a failed booking saga runs its two rollbacks newest first and ends failed", { timeout: 90_000 }, async () => {
    const { id } = await dev.client.start("booking-saga", { traveller: "ada" });
    await expect(dev.client.waitForResult(id, { timeout: 60 })).rejects.toBeInstanceOf(RunFailedError);
    const response = await fetch(`${dev.server.url}/api/runs/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    const run = (await response.json()) as { status: string; error: { name: string; message: string } | null; steps: { key: string; name: string; status: string; endedAt: string | null }[] };
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "FatalError", message: "no cars left" });
    expect(run.steps.map((step) => [step.key, step.name, step.status])).toEqual([
      ["book-flight#0", "book-flight", "completed"],
      ["book-hotel#0", "book-hotel", "completed"],
      ["book-car#0", "book-car", "failed"],
      ["rollback/book-hotel#0", "rollback:book-hotel", "completed"],
      ["rollback/book-flight#0", "rollback:book-flight", "completed"],
    ]);
    const ended = run.steps.map((step) => Date.parse(step.endedAt ?? ""));
    expect(ended[3]).toBeGreaterThanOrEqual(ended[2] ?? Number.NaN);
    expect(ended[4]).toBeGreaterThanOrEqual(ended[3] ?? Number.NaN);
    const hotel = await dev.client.step(id, "rollback/book-hotel#0");
    expect(hotel.output).toBe("cancelled hotel HO-ada after no cars left");
    const flight = await dev.client.step(id, "rollback/book-flight#0");
    expect(flight.output).toBe("cancelled flight FL-ada");
  });

  it("BatonClient.cancel with rollback runs the rollbacks of a sleeping saga, newest first, and ends cancelled", { timeout: 90_000 }, async () => {
    const { id } = await dev.client.start("booking-saga", { traveller: "bo", pause: true });
    for (let run = await dev.client.get(id); run.status !== "sleeping"; run = await dev.client.get(id)) await new Promise((resolve) => setTimeout(resolve, 100));
    await dev.client.cancel(id, { rollback: true });
    const run = await dev.client.waitForEnd(id, { timeout: 60 });
    expect(run.status).toBe("cancelled");
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ["book-flight#0", "completed"],
      ["book-hotel#0", "completed"],
      ["pay#0", "cancelled"],
      ["rollback/book-hotel#0", "completed"],
      ["rollback/book-flight#0", "completed"],
    ]);
    expect((await dev.client.step(id, "rollback/book-hotel#0")).output).toBe("cancelled hotel HO-bo after the run was cancelled");
  });
});
