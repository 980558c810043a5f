// Stacks under `wrangler dev`: the Worker's half of the round trip that maps a stored
// stack to the sources (the echo the dev server maps), and that nothing of it happens off
// a loopback address. The mapping itself needs wrangler's dev server; the package test
// (scripts/test-package.mjs) checks it there, on a task that throws.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { withDevStacks } from "../../src/api/dev-stacks.ts";

const bundled = { name: "Error", message: "boom", stack: "Error: boom\n    at task (file:///app/.wrangler/tmp/dev-abc/index.js:120:11)" };

describe("stacks in dev", () => {
  it("echoes an error marked for the dev server's mapper, on a loopback address only", async () => {
    const local = await SELF.fetch("http://127.0.0.1:8787/__baton/dev-stack", { method: "POST", body: JSON.stringify(bundled) });
    expect(local.status).toBe(500);
    expect(local.headers.get("MF-Experimental-Error-Stack")).toBe("true");
    expect(await local.json()).toEqual(bundled);
    const deployed = await SELF.fetch("https://baton.example.com/__baton/dev-stack", { method: "POST", body: JSON.stringify(bundled) });
    expect(deployed.status).toBe(404);
    expect(deployed.headers.get("MF-Experimental-Error-Stack")).toBeNull();
  });

  it("leaves an answer as stored off loopback, and when no dev server maps it", async () => {
    const text = JSON.stringify({ error: bundled });
    expect(await withDevStacks(text, new URL("https://baton.example.com/api/runs/x"), "https://baton.example.com/__baton/dev-stack")).toBe(text);
    // Loopback, but nothing listens there: the stack stays as it was.
    const unmapped = JSON.parse(await withDevStacks(text, new URL("http://127.0.0.1:1/api/runs/x"), "http://127.0.0.1:1/__baton/dev-stack")) as { error: typeof bundled };
    expect(unmapped.error.stack).toBe(bundled.stack);
  });
});
