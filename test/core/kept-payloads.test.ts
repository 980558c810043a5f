// Outcomes kept by reference (a host's payload store, BATON_PAYLOADS in the Worker): the
// delivery loop loads each just before the body receives it, in its place in the order,
// so the body sees the real value; a host without a store, or an object gone, gives the
// body a PayloadError. And the limit a value has without and with a store.
import { afterEach, describe, expect, it } from "vitest";
import { task, workflow } from "baton-workflows";
import { carryLargeValues, MAX_JSON_BYTES, MAX_PAYLOAD_BYTES, toValueJson, type LogEntry, type PayloadRef } from "../../sdk/core/index.ts";
import { atRest, done, drive, outputOf } from "./memory-host.ts";

const kept = (key: string, name: string, seq: number, ref: PayloadRef, delivery: number): LogEntry => {
  const entry = done(key, "task", name, seq, undefined, "", delivery);
  return { ...entry, resultRef: ref };
};

const flow = workflow(async () => {
  const a = await task("a", () => "never run");
  let b: string;
  try {
    b = await task("b", () => "never run");
  } catch (error) {
    b = `${(error as Error).name}: ${(error as Error).message}`;
  }
  return { a, b };
});

describe("outcomes kept by reference", () => {
  it("are loaded in their turn and reach the body as their values", async () => {
    const loaded: string[] = [];
    const store = new Map<string, string>([["runs/r/1", "the first value"], ["runs/r/2", "the second"]]);
    const payloads = async (ref: PayloadRef) => (loaded.push(ref.key), store.get(ref.key));
    const log = [kept("a#0", "a", 0, { key: "runs/r/1", bytes: 17 }, 1), kept("b#0", "b", 1, { key: "runs/r/2", bytes: 12 }, 2)];
    const { ended, host } = drive(flow, undefined, log, undefined, { payloads });
    await atRest();
    expect(outputOf(ended())).toEqual({ a: "the first value", b: "the second" });
    expect(loaded).toEqual(["runs/r/1", "runs/r/2"]);
    expect(host.begun).toEqual([]);
  });

  it("fail with a PayloadError the body can catch when the object is gone or the host has no store", async () => {
    const payloads = async (ref: PayloadRef) => {
      if (ref.key === "runs/r/gone") throw new Error("not in the bucket");
      return "here";
    };
    const log = [kept("a#0", "a", 0, { key: "runs/r/1", bytes: 6 }, 1), kept("b#0", "b", 1, { key: "runs/r/gone", bytes: 9 }, 2)];
    const withStore = drive(flow, undefined, log, undefined, { payloads });
    await atRest();
    expect(outputOf(withStore.ended())).toEqual({ a: "here", b: 'PayloadError: the value kept at "runs/r/gone" (9 bytes) could not be loaded: not in the bucket' });
    const without = drive(flow, undefined, log);
    await atRest();
    expect(without.ended()).toMatchObject({ status: "failed", error: { name: "PayloadError", message: expect.stringContaining("this host has no payload store (BATON_PAYLOADS)") as string } });
  });
});

describe("a value's limit", () => {
  afterEach(() => carryLargeValues(false));

  it("is 1 MiB without a payload store, with a message naming the bucket that lifts it, and 100 MiB with one", () => {
    const big = "x".repeat(MAX_JSON_BYTES + 1);
    expect(() => toValueJson(big, "the result")).toThrow(`over the ${MAX_JSON_BYTES}-byte limit; bind an R2 bucket as BATON_PAYLOADS`);
    carryLargeValues(true);
    expect(toValueJson(big, "the result")).toBe(big);
    expect(() => toValueJson("x".repeat(MAX_PAYLOAD_BYTES), "the result")).toThrow(`over the ${MAX_PAYLOAD_BYTES}-byte limit; that is the most one value may be (100 MiB)`);
  });
});
