// The author API's guard rails.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, OutsideRunError, parallel, sleep, step, task, workflow } from "baton-workflows";
import { drive, atRest, deliverTo } from "./memory-host.ts";

describe("primitives", () => {
  it("throw OutsideRunError outside a running workflow", () => {
    expect(() => task(() => 1)).toThrow(OutsideRunError);
    expect(() => sleep(1)).toThrow("sleep() was called outside a running workflow");
    expect(() => parallel([], async () => 1)).toThrow(OutsideRunError);
  });

  it("fail a closure that calls another primitive, with a clear error", async () => {
    const flow = workflow(async () => {
      try {
        await step("outer", () => task("inner", () => 1));
        return "nested";
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    const { ended } = drive(flow, undefined);
    await atRest();
    expect(ended()).toEqual({
      status: "completed",
      output: "InvalidArgumentError: task() cannot be called inside a task or step closure; call it from the workflow body instead",
    });
  });

  it("reject bad arguments with InvalidArgumentError", async () => {
    const outcomes: string[] = [];
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        outcomes.push((error as Error).name);
      }
    };
    const flow = workflow(async () => {
      await attempt(() => sleep(-1));
      await attempt(() => sleep(Number.NaN));
      await attempt(() => parallel([1], async () => 1, { concurrency: 0 }));
      await attempt(() => task("", () => 1));
      await attempt(() => step("named", undefined as unknown as () => number));
      return outcomes.length;
    });
    const { ended } = drive(flow, undefined);
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: 5 });
    expect(outcomes).toEqual(Array(5).fill("InvalidArgumentError"));
    expect(new InvalidArgumentError("x").code).toBe("invalid_argument");
  });

  it("workflow() refuses something that is not a function", () => {
    expect(() => workflow(42 as unknown as () => Promise<void>)).toThrow(InvalidArgumentError);
  });
});

describe("waitForApproval options", () => {
  it("apply documented defaults and refuse bad values with InvalidArgumentError", async () => {
    const { approvalRequest, DEFAULT_APPROVAL_TIMEOUT_SECONDS } = await import("../../sdk/approval.ts");
    expect(approvalRequest({})).toEqual({ to: [], subject: "Approval needed", message: "", timeout: DEFAULT_APPROVAL_TIMEOUT_SECONDS });
    expect(DEFAULT_APPROVAL_TIMEOUT_SECONDS).toBe(86_400);
    expect(approvalRequest({ message: "Deploy v2", to: ["a@b.co"], timeout: 60, data: { v: 2 } })).toEqual({
      to: ["a@b.co"],
      subject: "Approval needed: Deploy v2",
      message: "Deploy v2",
      timeout: 60,
      data: { v: 2 },
    });
    for (const bad of [{ to: ["not an email"] }, { to: "ops@example.com" }, { timeout: 0 }, { timeout: Number.NaN }, { message: 5 }, { subject: 5 }]) {
      expect(() => approvalRequest(bad as never)).toThrow(InvalidArgumentError);
    }
  });

  it("records the approval with its request and suspends until decided", async () => {
    const { waitForApproval } = await import("baton-workflows");
    const flow = workflow(async () => waitForApproval("ship", { to: ["ops@example.com"], message: "Ship?", data: { n: 1 } }));
    const { execution, host, ended } = drive(flow, undefined);
    await atRest();
    expect(host.begun).toEqual([
      { key: "ship#0", branch: "", seq: 0, kind: "approval", name: "ship", attempt: 1, approval: { to: ["ops@example.com"], subject: "Approval needed: Ship?", message: "Ship?", timeout: 86_400, data: { n: 1 } } },
    ]);
    expect(ended()).toBeUndefined();
    deliverTo(execution, "ship#0", { ok: true, value: { approved: true, decision: "approved", decidedAt: "2026-01-01T00:00:00.000Z" } });
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: { approved: true, decision: "approved", decidedAt: "2026-01-01T00:00:00.000Z" } });
  });

  it("fails the call when the data shown to the approver is not JSON", async () => {
    const { waitForApproval } = await import("baton-workflows");
    const flow = workflow(async () => {
      try {
        await waitForApproval({ data: { when: new Date() } });
        return "waited";
      } catch (error) {
        return (error as Error).name;
      }
    });
    const { host, ended } = drive(flow, undefined);
    await atRest();
    expect(ended()).toEqual({ status: "completed", output: "SerializationError" });
    expect(host.begun).toEqual([]);
  });
});
