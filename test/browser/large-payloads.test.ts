// Large values under `wrangler dev`, with its local R2 bucket: a task's 5 MiB result is
// kept in BATON_PAYLOADS, the dev server is killed (SIGKILL) and restarted before the
// task that reads it, and the run completes with exactly that value's length and hash.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useDevServer } from "./dev-server.ts";

const dev = useDevServer();

/** Waits until the run's `make#0` task completed (its result is in the bucket). */
async function made(id: string): Promise<void> {
  for (;;) {
    const run = await dev.client.get(id);
    expect(run.status).not.toBe("failed");
    if (run.steps.some((step) => step.key === "make#0" && step.status === "completed")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("large payloads under wrangler dev", () => {
  it("a 5 MiB task result survives a SIGKILL of the dev dev.server between the task and its reader", { timeout: 180_000 }, async () => {
    const expected = "0123456789abcdef".repeat((5 * 1024 * 1024) / 16);
    const { id } = await dev.client.start("large-result", { mib: 5, seconds: 3 });
    await made(id);
    await dev.server.kill();
    await dev.server.restart();
    const output = await dev.client.waitForResult<{ length: number; sha256: string }>(id, { timeout: 120 });
    expect(output).toEqual({ length: expected.length, sha256: createHash("sha256").update(expected).digest("hex") });
    const run = await dev.client.get(id);
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ["make#0", "completed"],
      ["pause#0", "completed"],
      ["read#0", "completed"],
    ]);
  });

  it("a 5 MiB task result returned as the run's output after a SIGKILL comes back whole through BatonClient.waitForResult", { timeout: 180_000 }, async () => {
    const expected = "0123456789abcdef".repeat((5 * 1024 * 1024) / 16);
    const { id } = await dev.client.start("large-result", { mib: 5, seconds: 3, echo: true });
    await made(id);
    await dev.server.kill();
    await dev.server.restart();
    const output = await dev.client.waitForResult<string>(id, { timeout: 120 });
    expect(output.length).toBe(expected.length);
    expect(output === expected).toBe(true);
    const run = await dev.client.get(id);
    expect(run.output).toBeNull();
    expect(run.outputRef?.bytes).toBe(expected.length + 2);
  });

  it("a 5 MiB inline step result survives a SIGKILL of the dev dev.server before the task that reads it", { timeout: 180_000 }, async () => {
    const expected = "0123456789abcdef".repeat((5 * 1024 * 1024) / 16);
    const { id } = await dev.client.start("large-result", { mib: 5, seconds: 3, inline: true });
    await made(id);
    await dev.server.kill();
    await dev.server.restart();
    const output = await dev.client.waitForResult<{ length: number; sha256: string }>(id, { timeout: 120 });
    expect(output).toEqual({ length: expected.length, sha256: createHash("sha256").update(expected).digest("hex") });
  });
});
