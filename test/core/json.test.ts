import { describe, expect, it } from "vitest";
import { SerializationError } from "baton-workflows";
import { jsonDepth, MAX_JSON_BYTES, MAX_JSON_DEPTH, toJson } from "../../sdk/core/json.ts";

/** Arrays (or objects) nested `depth` deep, built without recursion. */
function nested(depth: number, kind: "array" | "object" = "array"): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { v: value };
  return value;
}

describe("toJson", () => {
  it("accepts plain data and undefined at the top", () => {
    const value = { a: [1, "two", null, true, { b: 2.5 }], c: "" };
    expect(toJson(value, "result")).toBe(value);
    expect(toJson(undefined, "result")).toBeUndefined();
    expect(toJson(Object.create(null) as object, "result")).toEqual({});
  });

  it.each([
    ["a Date", { when: new Date(0) }, "result.when"],
    ["a Map", new Map(), "result"],
    ["a class instance", { items: [1, 2, new (class Point {})()] }, "result.items[2]"],
    ["a function", { f: () => 1 }, "result.f"],
    ["a bigint", { n: 1n }, "result.n"],
    ["NaN", { n: Number.NaN }, "result.n"],
    ["Infinity", [Number.POSITIVE_INFINITY], "result[0]"],
    ["undefined inside an array", [1, undefined], "result[1]"],
  ])("rejects %s, naming the path", (_label, value, path) => {
    expect(() => toJson(value, "result")).toThrow(SerializationError);
    expect(() => toJson(value, "result")).toThrow(`${path} is not JSON-serializable`);
  });

  it("rejects a cycle", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => toJson(a, "result")).toThrow("result.self is not JSON-serializable: it refers to itself");
  });

  it("drops undefined object properties as JSON.stringify does", () => {
    expect(JSON.stringify(toJson({ a: 1, b: undefined }, "result"))).toBe('{"a":1}');
  });

  it("rejects JSON over the size limit, with the limit in the message", () => {
    expect(() => toJson("x".repeat(MAX_JSON_BYTES), "result")).toThrow(`over the ${MAX_JSON_BYTES}-byte limit`);
    expect(() => toJson("é".repeat(MAX_JSON_BYTES / 2), "result")).toThrow(SerializationError);
    expect(toJson("x".repeat(1000), "result")).toHaveLength(1000);
  });

  it(`accepts nesting ${MAX_JSON_DEPTH} deep and refuses deeper with a SerializationError naming the limit, however deep`, () => {
    expect(toJson(nested(MAX_JSON_DEPTH), "result")).toBeDefined();
    expect(toJson(nested(MAX_JSON_DEPTH, "object"), "result")).toBeDefined();
    for (const depth of [MAX_JSON_DEPTH + 1, 3_000, 10_000, 200_000]) {
      expect(() => toJson(nested(depth), "result")).toThrow(SerializationError);
      expect(() => toJson(nested(depth, "object"), "result")).toThrow(`result nests arrays and objects more than ${MAX_JSON_DEPTH} deep`);
    }
  });
});

describe("jsonDepth", () => {
  it("measures nesting without the JavaScript stack, and stops counting past the limit", () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth([])).toBe(1);
    expect(jsonDepth({ a: [1, { b: [] }], c: null })).toBe(4);
    expect(jsonDepth(nested(500))).toBe(500);
    expect(jsonDepth(nested(1_000_000))).toBe(MAX_JSON_DEPTH + 1);
    expect(jsonDepth(nested(100), 10)).toBe(11);
  });
});
