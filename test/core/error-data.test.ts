// Errors keep their shape across a step or task boundary: name, message, code, the
// chain of causes, their own JSON fields, the stack (kept, not compared), and the
// class for Baton's own errors.
import { describe, expect, it } from "vitest";
import { BatonError, FatalError, isNamed, step, TaskTimeoutError, workflow } from "baton-workflows";
import { fromErrorData, MAX_CAUSE_DEPTH, toErrorData, withoutStacks } from "../../sdk/core/error-data.ts";
import { drive, atRest } from "./memory-host.ts";

class CardError extends Error {
  declineCode = "insufficient_funds";
  details = { amount: 42, currency: "EUR" };
  override name = "CardError";
}

describe("error data", () => {
  it("keeps the cause chain, the error's own JSON fields and its stack", () => {
    const error = new CardError("card declined", { cause: new Error("issuer said no", { cause: new TypeError("bad response") }) });
    const data = toErrorData(error);
    expect(withoutStacks(data)).toEqual({
      name: "CardError",
      message: "card declined",
      fields: { declineCode: "insufficient_funds", details: { amount: 42, currency: "EUR" } },
      cause: { name: "Error", message: "issuer said no", cause: { name: "TypeError", message: "bad response" } },
    });
    expect(data.stack).toContain("card declined");
    const rebuilt = fromErrorData(data) as CardError & { cause: Error & { cause: Error } };
    expect(rebuilt).toMatchObject({ name: "CardError", message: "card declined", declineCode: "insufficient_funds", details: { amount: 42, currency: "EUR" } });
    expect(rebuilt.cause.message).toBe("issuer said no");
    expect(rebuilt.cause.cause).toMatchObject({ name: "TypeError", message: "bad response" });
    expect(rebuilt.stack).toBe(data.stack);
  });

  it("keeps causes to a bounded depth and survives a cycle", () => {
    let deep: Error = new Error("level 0");
    for (let i = 1; i < 20; i++) deep = new Error(`level ${i}`, { cause: deep });
    let data = toErrorData(deep);
    for (let i = 0; i < MAX_CAUSE_DEPTH; i++) data = data.cause ?? data;
    expect(data.message).toContain("not kept");
    const loop = new Error("loop") as Error & { cause?: unknown };
    loop.cause = loop;
    expect(toErrorData(loop).message).toBe("loop");
  });

  it("turns a thrown non-Error into an Error whose message is the value and whose value is kept", () => {
    expect(toErrorData("plain string")).toEqual({ name: "Error", message: "plain string", fields: { value: "plain string" } });
    expect(toErrorData({ reason: "nope" })).toEqual({ name: "Error", message: '{"reason":"nope"}', fields: { value: { reason: "nope" } } });
    expect(toErrorData(42)).toEqual({ name: "Error", message: "42", fields: { value: 42 } });
    expect((fromErrorData(toErrorData({ reason: "nope" })) as Error & { value: unknown }).value).toEqual({ reason: "nope" });
  });

  it("rebuilds Baton's errors as their classes", () => {
    const fatal = fromErrorData(toErrorData(new FatalError("stop")));
    expect(fatal).toBeInstanceOf(FatalError);
    expect(fatal).toBeInstanceOf(BatonError);
    expect(fatal).toMatchObject({ name: "FatalError", code: "fatal", message: "stop" });
    expect(fromErrorData({ name: "TaskTimeoutError", message: "late", code: "task_timeout" })).toBeInstanceOf(TaskTimeoutError);
    expect(isNamed(fromErrorData({ name: "Custom", message: "x" }), "Custom")).toBe(true);
  });
});

describe("an error crossing a step", () => {
  it("reaches the body's catch with its cause, fields and class", async () => {
    const flow = workflow(async () => {
      const caught: Record<string, unknown> = {};
      try {
        await step("charge", () => {
          throw new Error("Oh no!", { cause: new Error("This is the cause") });
        }, { retries: { limit: 0 } });
      } catch (error) {
        caught.cause = ((error as Error).cause as Error).message;
      }
      try {
        await step("card", () => {
          throw new CardError("declined");
        }, { retries: { limit: 0 } });
      } catch (error) {
        caught.declineCode = (error as CardError).declineCode;
      }
      try {
        await step("fatal", () => {
          throw new FatalError("no retry");
        });
      } catch (error) {
        caught.fatal = error instanceof FatalError;
      }
      return caught;
    });
    const run = drive(flow, undefined);
    await atRest();
    expect(run.ended()).toEqual({ status: "completed", output: { cause: "This is the cause", declineCode: "insufficient_funds", fatal: true } });
  });
});
