// What may cross a checkpoint: plain JSON. Checked before anything is stored, so a
// bad value fails its own step with a message that points at the offending part.

import { SerializationError } from "../errors.ts";
import { MAX_PAYLOAD_BYTES } from "./payloads.ts";

/** A JSON value as stored in the log. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Returns `value` as JSON, or throws SerializationError naming the path of the first
 * part that JSON cannot carry faithfully. `undefined` at the top is allowed (a task
 * that returns nothing); object properties that are `undefined` are dropped, as
 * JSON.stringify does.
 */
export function toJson(value: unknown, what: string, max = MAX_JSON_BYTES, hint = "store large data elsewhere and return a reference"): Json | undefined {
  if (value === undefined) return undefined;
  check(value, what, new Set(), 0);
  const bytes = jsonBytes(value, max);
  if (bytes > max) throw new SerializationError(`${what} is ${bytes} bytes of JSON, over the ${max}-byte limit; ${hint}`);
  return value as Json;
}

/** Whether this isolate's host keeps large values by reference (a Worker with a BATON_PAYLOADS bucket). */
let largeValues = false;

/** Set by a host with a payload store: step results and run outputs may then be up to MAX_PAYLOAD_BYTES. */
export function carryLargeValues(on: boolean): void {
  largeValues = on;
}

/**
 * toJson for a value that may be kept by reference (a task's or step's result, a
 * run's output): up to MAX_PAYLOAD_BYTES with a payload store, else MAX_JSON_BYTES
 * with a message saying how to lift it.
 */
export function toValueJson(value: unknown, what: string): Json | undefined {
  return largeValues
    ? toJson(value, what, MAX_PAYLOAD_BYTES, "that is the most one value may be (100 MiB); store it elsewhere and return a reference")
    : toJson(value, what, MAX_JSON_BYTES, "bind an R2 bucket as BATON_PAYLOADS to carry values up to 100 MiB by reference, or store large data elsewhere and return a reference");
}

/** Largest JSON a checkpoint may hold: a step result or a run's output. */
export const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a checkpoint, input or payload may have. Deeper
 * values cannot cross every part of the platform (serializers and parsers recurse), so
 * they are refused where they enter, with this number in the message.
 */
export const MAX_JSON_DEPTH = 512;

/**
 * How deep `value` nests (a scalar is 0, `[]` is 1), counting no further than `limit + 1`;
 * walks with its own stack, so any depth is measured without overflowing the JavaScript one.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== "object") continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === "object") stack.push([child, here]);
    }
  }
  return deepest;
}

/** A value met while walking received JSON, with the way back to the root (for the path of a problem). */
interface Visit {
  item: unknown;
  depth: number;
  parent: Visit | null;
  key: string | number;
}

/**
 * What makes JSON as `JSON.parse` returned it unfit to keep, or null: nesting deeper
 * than MAX_JSON_DEPTH, or a number out of a double's range (`1e400` parses to Infinity,
 * which would be stored as null), named by its path (`$.input.n`). Walks with its own
 * stack, so any depth is measured without overflowing the JavaScript one.
 */
export function receivedJsonProblem(value: unknown): string | null {
  const stack: Visit[] = [{ item: value, depth: 0, parent: null, key: "" }];
  while (stack.length > 0) {
    const visit = stack.pop() as Visit;
    const { item, depth } = visit;
    if (typeof item === "number") {
      if (!Number.isFinite(item)) return `holds a number JSON cannot carry at ${pathOf(visit)} (out of range for a double); send a smaller number, or a string`;
      continue;
    }
    if (item === null || typeof item !== "object") continue;
    if (depth + 1 > MAX_JSON_DEPTH) return `nests arrays and objects more than ${MAX_JSON_DEPTH} deep (the limit); flatten it`;
    const entries: [string | number, unknown][] = Array.isArray(item) ? item.map((child, i) => [i, child]) : Object.entries(item);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string | number, unknown];
      if (typeof child === "object" || typeof child === "number") stack.push({ item: child, depth: depth + 1, parent: visit, key });
    }
  }
  return null;
}

/** `$.a[0].b` for a visit. */
function pathOf(visit: Visit): string {
  const parts: string[] = [];
  for (let at: Visit | null = visit; at?.parent; at = at.parent) {
    parts.push(typeof at.key === "number" ? `[${at.key}]` : /^[A-Za-z_$][\w$]*$/.test(at.key) ? `.${at.key}` : `[${JSON.stringify(at.key)}]`);
  }
  return `$${parts.reverse().join("")}`;
}

function jsonBytes(value: unknown, max: number): number {
  const text = JSON.stringify(value);
  // UTF-8 takes at most 3 bytes per UTF-16 unit; only count exactly when it could matter.
  return text.length * 3 <= max ? text.length : new TextEncoder().encode(text).length;
}

function check(value: unknown, path: string, seen: Set<object>, depth: number): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (Number.isFinite(value)) return;
      throw fail(path, `${String(value)} is not a JSON number`);
    case "object":
      break;
    default:
      throw fail(path, `a ${typeof value} cannot be stored as JSON`);
  }
  if (value === null) return;
  if (seen.has(value)) throw fail(path, "it refers to itself (a cycle)");
  // Checked before going deeper: the walk itself recurses, at most this far.
  if (depth + 1 > MAX_JSON_DEPTH) {
    throw new SerializationError(`${what(path)} nests arrays and objects more than ${MAX_JSON_DEPTH} deep (the limit); flatten it or store it elsewhere and return a reference`);
  }
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item === undefined) throw fail(`${path}[${i}]`, "undefined in an array cannot be stored as JSON");
      check(item, `${path}[${i}]`, seen, depth + 1);
    });
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw fail(path, `a ${kind} is not a plain object; return plain data (e.g. an ISO string for a Date)`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) check(item, `${path}.${key}`, seen, depth + 1);
    }
  }
  seen.delete(value);
}

/** The start of a deep path (the value's name), so a message about depth stays short. */
function what(path: string): string {
  return /^[^.[]*/.exec(path)?.[0] || path;
}

function fail(path: string, reason: string): SerializationError {
  return new SerializationError(`${path} is not JSON-serializable: ${reason}`);
}

/**
 * JSON text with object keys sorted at every level: two values that differ only in key
 * order give the same text, so they compare (and hash, and name cache entries) equal.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** Stores a possibly-undefined JSON value as text; `null` stands for undefined. */
export function encodeJson(value: Json | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Reads back what encodeJson wrote. */
export function decodeJson(text: string | null | undefined): Json | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as Json);
}
