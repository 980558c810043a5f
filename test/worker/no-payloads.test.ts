// A Worker without a BATON_PAYLOADS bucket (its own vitest project): every value stays
// within the 1 MiB a row holds, and a larger one fails clearly, saying how to lift it.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, startRun, waitForRun } from "./helpers.ts";

describe("without a BATON_PAYLOADS bucket", () => {
  it("has no bucket bound", () => {
    expect(env.BATON_PAYLOADS).toBeUndefined();
  });

  it("refuses a task result over 1 MiB with a SerializationError that names the limit and the bucket that lifts it", async () => {
    const id = await startRun("large-payloads", { mib: 0, tooLarge: 2 * 1024 * 1024 });
    const run = await waitForRun(id);
    expect(run.output).toEqual({
      refused: {
        name: "SerializationError",
        message: expect.stringMatching(/over the 1048576-byte limit; bind an R2 bucket as BATON_PAYLOADS to carry values up to 100 MiB by reference/) as string,
      },
    });
  });

  it("keeps a result under 1 MiB in its row, as before", async () => {
    const id = await startRun("large-payloads", { mib: 0.5 });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({ read: { length: 512 * 1024 }, same: true });
  });

  it("refuses a run input or an event payload over 1 MiB with 413 payload_too_large naming the bucket that lifts it", async () => {
    const big = "x".repeat(1024 * 1024 + 10);
    const start = await api("/api/runs", { method: "POST", json: { workflow: "large-payloads", input: { mib: 0, echo: true, text: big } } });
    expect(start.status).toBe(413);
    expect(await start.json()).toMatchObject({ error: { code: "payload_too_large", message: expect.stringContaining("bind an R2 bucket as BATON_PAYLOADS") as string } });
    const id = await startRun("large-payloads", { mib: 0, events: 1, pause: 3600 });
    await waitForRun(id, (run) => run.status === "sleeping");
    const event = await api(`/api/runs/${id}/events/big`, { method: "POST", json: { payload: { text: big } } });
    expect(event.status).toBe(413);
    expect(await event.json()).toMatchObject({ error: { code: "payload_too_large", message: expect.stringContaining("bind an R2 bucket as BATON_PAYLOADS") as string } });
    expect((await api(`/api/runs/${id}/cancel`, { method: "POST" })).status).toBe(200);
  });

  it("answers a run's output from GET /api/runs/{id}/output as well, inline", async () => {
    const id = await startRun("large-payloads", { mib: 0, echo: true, text: "small" });
    expect((await waitForRun(id)).outputRef).toBeUndefined();
    expect(await (await api(`/api/runs/${id}/output`)).json()).toBe("small");
  });
});
