// A Worker without a BATON_PAYLOADS bucket (its own vitest project): every value stays
// within the 1 MiB a row holds, and a larger one fails clearly, saying how to lift it.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { startRun, waitForRun } from "./helpers.ts";

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
});
