// continueAsNew() in an execution: the successor's input is checked (JSON, then the
// workflow's input schema, which workflow() pins on its body), the call is recorded once
// as a step of kind `continue` (drive mode; its host names the successor), and the
// execution ends `continued`. A replay that finds the step recorded ends the same way
// without checking again, so a crash between the record and the run's end starts no
// second successor: the host derives the successor's id from the run's.

import { InvalidArgumentError, InvalidInputError } from "../errors.ts";
import { issuesText, validate, type StandardSchema } from "../schema.ts";
import { toErrorData } from "./error-data.ts";
import type { NewCall } from "./execution-types.ts";
import { toJson, type Json } from "./json.ts";
import type { RunOutcome } from "./log.ts";
import { withoutRecorded, type Located } from "./recorded-log.ts";

/** Where workflow() keeps a body's input schema: on the body function, so two copies of the package agree. */
export const INPUT_SCHEMA: unique symbol = Symbol.for("baton.input-schema") as never;

/** The input schema workflow() pinned on `body`, or null. */
export function inputSchemaOf(body: unknown): StandardSchema | null {
  return (body as { [INPUT_SCHEMA]?: StandardSchema } | null)?.[INPUT_SCHEMA] ?? null;
}

const never = (): Promise<never> => new Promise<never>(() => {});

/**
 * Continues the run at `call` (undefined: the execution stopped, or diverged there) with
 * `input`: ends it `continued`; `cancelled` when its cancel came first (`cancelled`);
 * or `failed` with InvalidArgumentError (not JSON) or InvalidInputError (the body's
 * input schema refuses it). `begin` (drive mode) records a call the log does not hold. A synchronous schema that takes the input ends the run in
 * this turn; any other check settles within the body's microtasks (a body cannot reach
 * timers or I/O), so the delivery loop never finds the body resting on nothing.
 */
export function continueAt(call: Located | undefined, input: unknown, body: unknown, cancelled: boolean, begin: ((call: NewCall) => void) | undefined, end: (end: RunOutcome) => void): Promise<never> {
  if (!call) return never();
  // The run was cancelled (its body goes on cleaning up): it ends there, cancelled, and nothing succeeds it.
  if (cancelled) {
    end({ status: "cancelled" });
    return never();
  }
  const fail = (error: unknown): void => end({ status: "failed", error: toErrorData(error) });
  let json: Json | undefined;
  try {
    json = toJson(input, "the input of continueAsNew()");
  } catch (error) {
    fail(new InvalidArgumentError(`continueAsNew(): ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    return never();
  }
  const go = (): void => {
    if (!call.recorded) begin?.({ ...withoutRecorded(call), attempt: 1 });
    end({ status: "continued", input: json });
  };
  const schema = inputSchemaOf(body);
  // Recorded: checked when it was, and the step says so.
  if (call.recorded || !schema) {
    go();
    return never();
  }
  const quick = schema["~standard"].validate(json);
  if (!(quick instanceof Promise) && quick.issues === undefined) {
    go();
    return never();
  }
  // Refused, or asynchronous: the issues worded as the API words them.
  void validate(schema, json).then((result) => {
    if (result.ok) return go();
    fail(new InvalidInputError(`continueAsNew(): the successor's input does not fit the workflow's input schema: ${issuesText(result.issues)}`, result.issues));
  }, fail);
  return never();
}
