// What crosses between the run object and the queue consumer: one schema each, the
// types derived from them.

import * as z from "zod/mini";
import type { ErrorData as ErrorDataType } from "baton-workflows/engine";

/** An error as a consumer reports it; the shape of core's ErrorData (its causes nest). */
export const ErrorData: z.ZodMiniType<ErrorDataType> = z.object({
  name: z.string(),
  message: z.string(),
  code: z.optional(z.string()),
  get cause() {
    return z.optional(ErrorData);
  },
  // JSON the consumer checked when it captured the error; carried as it is.
  fields: z.optional(z.record(z.string(), z.unknown())) as z.ZodMiniType<ErrorDataType["fields"]>,
  stack: z.optional(z.string()),
});

export const TaskMessage = z.object({
  runId: z.string().check(z.minLength(1)),
  key: z.string().check(z.minLength(1)),
  attempt: z.number().check(z.int(), z.positive()),
  /** The attempt's span (W3C traceparent) when the run exports traces; messages from before tracing have none. */
  traceparent: z.optional(z.string().check(z.maxLength(128))),
});
/** A queue message asking a consumer to run one attempt of one task. */
export type TaskMessage = z.infer<typeof TaskMessage>;

/** A line a task's closure printed. */
export const LogLine = z.object({
  attempt: z.number().check(z.int(), z.positive()),
  at: z.number(),
  level: z.enum(["log", "info", "warn", "error", "debug"]),
  message: z.string(),
});

export const TaskReport = z.object({
  key: z.string().check(z.minLength(1)),
  attempt: z.number().check(z.int(), z.positive()),
  result: z.optional(z.unknown()),
  /** The result, kept in BATON_PAYLOADS by the consumer (then no `result`). */
  resultRef: z.optional(z.object({ key: z.string().check(z.minLength(1), z.maxLength(1024)), bytes: z.number().check(z.int(), z.nonnegative()) })),
  error: z.optional(ErrorData),
  /** What the closure printed (capped per attempt by the consumer). */
  logs: z.optional(z.array(LogLine)),
  /** When the consumer took the message (ms); the time since dispatch was queue wait. */
  ranAt: z.optional(z.number()),
});
/** A consumer's report of one attempt: `error` present means it failed. */
export type TaskReport = z.infer<typeof TaskReport>;

/** Several reports, as a consumer sends them in one call. */
export const TaskReports = z.array(TaskReport);
