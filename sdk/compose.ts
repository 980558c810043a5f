// Composition: scripts (registered task code run by path), child flows, and the
// `patched` helper for changing a workflow's code under runs in flight.

import { takeSignal, type CallOptions } from "./cancel.ts";
import { currentContext, type FlowOptions, type TaskContext } from "./context.ts";
import { onlyKnownKeys, toSeconds } from "./duration.ts";
import { InvalidArgumentError } from "./errors.ts";
import { resolveTaskOptions, type TaskOptions } from "./options.ts";

export type { FlowOptions } from "./context.ts";

const SCRIPT_BRAND: unique symbol = Symbol.for("baton.script") as never;

/** A script: the default export of a file in `workflows/` run as one task by path. */
export interface Script<A = unknown, R = unknown> {
  readonly [SCRIPT_BRAND]: true;
  /** The script's code, called with its args in a queue consumer like a task closure. */
  readonly run: (args: A, context: TaskContext) => Promise<R>;
  /** Task options every call of this script gets unless the caller overrides them. */
  readonly options: TaskOptions | undefined;
  /** The function given to script(), as written: hosts hash its source for a version when no build gave one. */
  readonly source: (args: A, context: TaskContext) => R | Promise<R>;
}

/** Declares a script: code run as one task, by `taskScript(path, args)` or `POST /api/scripts/<path>/runs`. */
export function script<A = unknown, R = unknown>(run: (args: A, context: TaskContext) => R | Promise<R>, options?: TaskOptions): Script<A, R> {
  if (typeof run !== "function") {
    throw new InvalidArgumentError("script() takes a function: script(async (args, { signal }) => { ... })");
  }
  // Checked here so a bad option fails the deploy's first load, not a run.
  resolveTaskOptions(options, "script");
  return Object.freeze({ [SCRIPT_BRAND]: true as const, run: async (args: A, context: TaskContext) => run(args, context), options, source: run });
}

/** True when `value` was made by `script()`, even by another copy of this module. */
export function isScript(value: unknown): value is Script {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[SCRIPT_BRAND] === true;
}

/**
 * Runs the script registered at `path` (e.g. "emails/send" or "etl__mod/extract") as
 * a task with `args` (JSON); `options` override the script's own task options.
 */
export function taskScript<R = unknown>(path: string, args?: unknown, options?: TaskOptions & CallOptions): Promise<R> {
  checkPath("taskScript", path);
  const { options: rest, control } = takeSignal(options, "taskScript()");
  resolveTaskOptions(rest, "taskScript");
  return currentContext("taskScript").script<R>(path, args, rest, control);
}

/** Starts a child run of the workflow at `path` and resolves at once with its id; the child's end settles nothing here. */
export function taskFlow(path: string, input: unknown, options: FlowOptions & { start: true }): Promise<{ runId: string }>;
/**
 * Starts a child run of the workflow at `path` with `input` and waits for it: resolves
 * to the child's output, rejects with its error (CancelledError if it was cancelled).
 */
export function taskFlow<R = unknown>(path: string, input?: unknown, options?: FlowOptions): Promise<R>;
export function taskFlow<R = unknown>(path: string, input?: unknown, options: FlowOptions = {}): Promise<R> {
  checkPath("taskFlow", path);
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("taskFlow() options must be an object");
  const { options: rest = {}, control } = takeSignal(options, "taskFlow()");
  onlyKnownKeys(rest, ["timeout", "start"], "taskFlow()");
  if (rest.start !== undefined && typeof rest.start !== "boolean") throw new InvalidArgumentError(`taskFlow() start must be true or false, got ${JSON.stringify(rest.start)}`);
  // A started child is not waited for: there is no wait for a timeout or a signal to end.
  if (rest.start && (rest.timeout !== undefined || control.signal !== undefined)) throw new InvalidArgumentError("taskFlow() with start: true takes no timeout or signal: the parent does not wait for the child");
  const resolved = rest.timeout === undefined ? {} : { timeout: toSeconds(rest.timeout, "taskFlow() timeout", 0, true) };
  return currentContext("taskFlow").flow<R>(path, input, rest.start ? { ...resolved, start: true } : resolved, control);
}

/**
 * Marks a change to the workflow's code: true for runs that reach this point under
 * the new code, false for runs that had already passed it under the old code. Branch
 * on it (`if (patched("add-fee")) new else old`) so runs in flight keep replaying the
 * code they started with; once none is left, keep only the new branch.
 */
export function patched(id: string): boolean {
  if (typeof id !== "string" || !/^[A-Za-z0-9_.:-]{1,100}$/.test(id)) {
    throw new InvalidArgumentError(`patched() takes an id of 1 to 100 letters, digits or _ . : -, got ${JSON.stringify(id)}`);
  }
  return currentContext("patched").patched(id);
}

function checkPath(primitive: string, path: unknown): void {
  if (typeof path !== "string" || !/^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,199}$/.test(path) || path.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new InvalidArgumentError(
      `${primitive}() takes the path of a file in workflows/ without ".ts", e.g. "reports/build" or "etl__mod/extract"; got ${JSON.stringify(path)}`,
    );
  }
  if (path.endsWith(".ts")) throw new InvalidArgumentError(`${primitive}() takes the path without ".ts": "${path.slice(0, -3)}"`);
}
