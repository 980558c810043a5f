// The author API's guard rails.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, OutsideRunError, parallel, sleep, step, task, workflow } from "baton";
import { drive, settle } from "./memory-host.ts";

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
    await settle();
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
    await settle();
    expect(ended()).toEqual({ status: "completed", output: 5 });
    expect(outcomes).toEqual(Array(5).fill("InvalidArgumentError"));
    expect(new InvalidArgumentError("x").code).toBe("invalid_argument");
  });

  it("workflow() refuses something that is not a function", () => {
    expect(() => workflow(42 as unknown as () => Promise<void>)).toThrow(InvalidArgumentError);
  });
});
