// What crosses between the run object and the queue consumer: one schema each, the
// types derived from them.

import { z } from "zod";
import type { ErrorData as ErrorDataType } from "baton/engine";

/** An error as a consumer reports it; the shape of core's ErrorData (its causes nest). */
export const ErrorData: z.ZodType<ErrorDataType> = z.object({
  name: z.string(),
  message: z.string(),
  code: z.string().optional(),
  get cause() {
    return ErrorData.optional();
  },
  // JSON the consumer checked when it captured the error; carried as it is.
  fields: z.record(z.string(), z.unknown()).optional() as z.ZodType<ErrorDataType["fields"]>,
  stack: z.string().optional(),
});

export const TaskMessage = z.object({
  runId: z.string().min(1),
  key: z.string().min(1),
  attempt: z.number().int().positive(),
});
/** A queue message asking a consumer to run one attempt of one task. */
export type TaskMessage = z.infer<typeof TaskMessage>;

/** A line a task's closure printed. */
export const LogLine = z.object({
  attempt: z.number().int().positive(),
  at: z.number(),
  level: z.enum(["log", "info", "warn", "error", "debug"]),
  message: z.string(),
});

export const TaskReport = z.object({
  key: z.string().min(1),
  attempt: z.number().int().positive(),
  result: z.unknown().optional(),
  error: ErrorData.optional(),
  /** What the closure printed (capped per attempt by the consumer). */
  logs: z.array(LogLine).optional(),
  /** When the consumer took the message (ms); the time since dispatch was queue wait. */
  ranAt: z.number().optional(),
});
/** A consumer's report of one attempt: `error` present means it failed. */
export type TaskReport = z.infer<typeof TaskReport>;
