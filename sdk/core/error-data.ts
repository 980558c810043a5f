// Errors cross RPC, queues and storage as data. The data keeps what a workflow reads
// from an error — name, message, code, the chain of causes, the error's own JSON
// fields — so a failed task or step surfaces in the body as the error it threw; Baton's
// own classes come back as themselves. The stack is kept to be shown, never compared.

import { ERROR_CLASSES } from "../errors.ts";
import type { Json } from "./json.ts";

/** An error as stored in the log and sent between Workers. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string | undefined;
  /** The error's `cause`, as data too (a chain of at most MAX_CAUSE_DEPTH). */
  cause?: ErrorData | undefined;
  /** The error's other own enumerable properties that are JSON, e.g. `declineCode`. */
  fields?: { [key: string]: Json } | undefined;
  /** Where it was thrown, for people reading the run; replays never depend on it. */
  stack?: string | undefined;
}

/** Causes kept below an error; deeper ones are cut (their absence is said in the last message). */
export const MAX_CAUSE_DEPTH = 8;
/** Longest stack kept, in characters. */
const MAX_STACK = 8_000;
/** Largest own-fields object kept, in characters of JSON. */
const MAX_FIELDS = 64 * 1024;
const OWN = new Set(["name", "message", "code", "cause", "stack"]);

/**
 * Captures anything thrown as data. An Error (or an object with a `message`) keeps its
 * name, message, string `code`, cause chain, JSON fields and stack. Any other value
 * becomes an Error whose message is the value (strings as they are, anything else as
 * JSON) and whose `value` field holds the value itself when it is JSON.
 */
export function toErrorData(error: unknown, depth = 0): ErrorData {
  if (!isErrorLike(error)) {
    const data: ErrorData = { name: "Error", message: typeof error === "string" ? error : safeString(error) };
    const value = jsonOrUndefined(error);
    if (value !== undefined) data.fields = { value };
    return data;
  }
  const { name, message, code, cause, stack } = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; stack?: unknown };
  const data: ErrorData = {
    name: typeof name === "string" && name ? name : "Error",
    message: typeof message === "string" ? message : String(message),
  };
  if (typeof code === "string") data.code = code;
  if (cause !== undefined) {
    if (depth + 1 < MAX_CAUSE_DEPTH) data.cause = toErrorData(cause, depth + 1);
    else data.cause = { name: "Error", message: `(causes deeper than ${MAX_CAUSE_DEPTH} levels were not kept)` };
  }
  const fields = ownFields(error as object, code);
  if (fields) data.fields = fields;
  // A stack without frames (one line) tells nothing the name and message do not.
  if (typeof stack === "string" && stack.includes("\n")) data.stack = stack.length > MAX_STACK ? `${stack.slice(0, MAX_STACK)}\n    …` : stack;
  return data;
}

/**
 * Rebuilds a throwable error from data: an instance of Baton's class of that name, or
 * an Error carrying the name; with its code, cause chain, fields and stack, and the
 * key of the step it crossed (`stepKey`).
 */
export function fromErrorData(data: ErrorData, stepKey?: string): Error {
  const error = rebuild(data);
  // Not enumerable: it describes this crossing, not the error, so it is not stored again if the body rethrows.
  if (stepKey !== undefined) Object.defineProperty(error, "stepKey", { value: stepKey, writable: true, configurable: true, enumerable: false });
  return error;
}

function rebuild(data: ErrorData): Error {
  const Known = Object.hasOwn(ERROR_CLASSES, data.name) ? ERROR_CLASSES[data.name] : undefined;
  const error: Error & { code?: string } = Known ? new Known(data.message) : new Error(data.message);
  error.name = data.name;
  if (data.code !== undefined) error.code = data.code;
  if (data.fields) {
    for (const [key, value] of Object.entries(data.fields)) {
      if (!OWN.has(key)) (error as unknown as Record<string, unknown>)[key] = value;
    }
  }
  if (data.cause) Object.defineProperty(error, "cause", { value: rebuild(data.cause), writable: true, configurable: true, enumerable: false });
  // The recorded stack, or none: frames of the rebuilding code would only mislead.
  Object.defineProperty(error, "stack", { value: data.stack ?? `${data.name}: ${data.message}`, writable: true, configurable: true, enumerable: false });
  return error;
}

/**
 * `value` checked to be error data (as stored or sent): a name and a message, and
 * where present a string code and stack, an object of fields and a cause of the same
 * shape. Throws a TypeError saying what is wrong.
 */
export function errorDataOf(value: unknown, depth = 0): ErrorData {
  if (typeof value !== "object" || value === null) throw new TypeError("error data must be an object");
  const { name, message, code, cause, fields, stack } = value as Record<string, unknown>;
  if (typeof name !== "string" || typeof message !== "string") throw new TypeError("error data needs a string name and message");
  const data: ErrorData = { name, message };
  if (code !== undefined) data.code = stringOr(code, "code");
  if (stack !== undefined) data.stack = stringOr(stack, "stack");
  if (fields !== undefined) {
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) throw new TypeError("error data fields must be an object");
    data.fields = fields as { [key: string]: Json };
  }
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) data.cause = errorDataOf(cause, depth + 1);
  return data;
}

function stringOr(value: unknown, what: string): string {
  if (typeof value !== "string") throw new TypeError(`error data ${what} must be a string`);
  return value;
}

/** Error data without stacks, at every level: what replays and comparisons look at. */
export function withoutStacks(data: ErrorData): ErrorData {
  const { stack: _stack, cause, ...rest } = data;
  return cause ? { ...rest, cause: withoutStacks(cause) } : rest;
}

function isErrorLike(error: unknown): boolean {
  return error instanceof Error || (typeof error === "object" && error !== null && "message" in error);
}

function ownFields(error: object, code: unknown): { [key: string]: Json } | undefined {
  const fields: { [key: string]: Json } = {};
  let size = 0;
  for (const key of Object.keys(error)) {
    if (OWN.has(key) && !(key === "code" && typeof code !== "string")) continue;
    const value = jsonOrUndefined((error as Record<string, unknown>)[key]);
    if (value === undefined) continue;
    size += key.length + JSON.stringify(value).length;
    if (size > MAX_FIELDS) break;
    fields[key] = value;
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/** `value` as JSON when it survives a JSON round trip unchanged in shape, else undefined. */
function jsonOrUndefined(value: unknown): Json | undefined {
  if (value === undefined || typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as Json);
  } catch {
    return undefined;
  }
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
