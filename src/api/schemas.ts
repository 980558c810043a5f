// The API's shapes as zod schemas: what each route reads (bodies, queries, headers) and
// what it answers. The routes validate with them, /api/openapi.json describes them, and
// sdk/client/api-types.ts (the types BatonClient and the Worker share) is generated
// from that document (`npm run api-types`), so a shape is written once, here.

import { z } from "@hono/zod-openapi";
import { RUN_STATUSES, type RunStatus as RunStatusName } from "baton/engine";
import { EVENT_NAME } from "baton";

/** Largest accepted body of `POST /api/runs`, and so the largest run input. */
export const MAX_INPUT_BYTES = 1024 * 1024;
/** Largest accepted body of a route that takes a small one (an approval decision, a restart). */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;
/** Most runs one page of `GET /api/runs` returns. */
export const MAX_PAGE_SIZE = 100;

// ---- What the API answers ------------------------------------------------------------

/**
 * `schema` or null. Written as a union: `.nullable()` on a named schema would make the
 * document's component itself nullable.
 */
function orNull<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()]);
}

export const RunStatus = z.enum(RUN_STATUSES as readonly RunStatusName[] as [RunStatusName, ...RunStatusName[]]).openapi("RunStatus", {
  description: "Where a run is: queued, running, sleeping (a timer), waiting (an approval, event or child), or ended: completed, failed, cancelled.",
});

type ErrorShape = { name: string; message: string; code?: string | undefined; cause?: ErrorShape | undefined; fields?: Record<string, unknown> | undefined; stack?: string | undefined };

export const ErrorView: z.ZodType<ErrorShape> = z
  .object({
    name: z.string(),
    message: z.string(),
    code: z.string().optional(),
    get cause() {
      return ErrorView.optional().describe("The error's cause, shown the same way.");
    },
    fields: z.record(z.string(), z.unknown()).optional().describe("The error's other own JSON properties, e.g. `declineCode`; a thrown non-Error's `value`."),
    stack: z.string().optional().describe("Where it was thrown."),
  })
  .openapi("ErrorView", { description: "An error as the API shows it: the thrown error's name, message, code, causes, own JSON fields and stack." });

export const RunSummary = z
  .object({
    id: z.string(),
    workflow: z.string().describe("The workflow's (or, for a script run, the script's) path."),
    kind: z.enum(["workflow", "script"]).describe('"workflow", or "script" for a run started by POST /api/scripts/<path>/runs.'),
    status: RunStatus,
    parentId: z.string().nullable().describe("The run whose taskFlow started this one, or null."),
    createdAt: z.string(),
    updatedAt: z.string(),
    wakeAt: z.string().optional().describe("When a sleeping run wakes."),
  })
  .openapi("RunSummary", { description: "A run as lists show it." });

export const AttemptView = z
  .object({
    attempt: z.number().int(),
    startedAt: z.string().nullable().describe("When it was dispatched (a task) or began (a step)."),
    ranAt: z.string().nullable().describe("Tasks: when a consumer took the attempt's message, so startedAt → ranAt was queue wait (null for steps, and attempts stored before this was recorded)."),
    endedAt: z.string(),
    error: orNull(ErrorView),
  })
  .openapi("AttemptView", { description: "One finished attempt of a task or step." });

export const EmailView = z
  .object({
    to: z.string(),
    status: z.string().describe("pending, sent, failed (after retries) or skipped (decided first)."),
    attempts: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi("EmailView", { description: "One approval email and how sending it went." });

export const StepView = z
  .object({
    key: z.string(),
    kind: z.enum(["task", "step", "sleep", "approval", "event", "flow", "patch"]),
    name: z.string(),
    status: z.enum(["queued", "running", "retrying", "sleeping", "waiting", "completed", "failed", "cancelled"]),
    attempts: z.number().int(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    error: orNull(ErrorView),
    wakeAt: z.string().optional(),
    emails: z.array(EmailView).optional().describe("Approval steps: their emails and how sending them went."),
    cached: z.literal(true).optional().describe("Tasks with cacheTtl: true when the result was reused from the cache, not run."),
    childId: z.string().optional().describe("Flow steps: the child run's id."),
    event: z.string().optional().describe("Event waits: the event's name."),
    script: z.string().optional().describe("Tasks run by taskScript: the script's path."),
    history: z.array(AttemptView).optional().describe("Tasks and steps tried more than once (or failed): each finished attempt, its times and error."),
  })
  .openapi("StepView", { description: "One step as `GET /api/runs/{id}` shows it." });

export const LogLineView = z
  .object({
    attempt: z.number().int(),
    at: z.number().describe("When it was printed (ms since the epoch)."),
    level: z.enum(["log", "info", "warn", "error", "debug"]),
    message: z.string(),
  })
  .openapi("LogLineView", { description: "A line a task or step closure printed with console.log, info, warn, error or debug." });

export const StepDetail = StepView.extend({
  output: z.unknown().nonoptional().describe("Its JSON result (null until it completed, or when it returned nothing)."),
  history: z.array(AttemptView).describe("Tasks and steps: every finished attempt, its times and error (empty for other kinds)."),
  logs: z.array(LogLineView).describe("What its closure printed, attempt by attempt (capped per attempt)."),
}).openapi("StepDetail", { description: "One step with everything it produced, as `GET /api/runs/{id}/steps/{key}` answers." });

export const ApprovalView = z
  .object({
    key: z.string(),
    to: z.array(z.string()),
    message: z.string(),
    expiresAt: z.string(),
    approveUrl: z.string().nullable().describe("Signed link that approves (null while BATON_SIGNING_KEY is unset)."),
    rejectUrl: z.string().nullable().describe("Signed link that rejects (null while BATON_SIGNING_KEY is unset)."),
    emails: z.array(EmailView).describe("The approval emails: pending, sent, failed (after retries) or skipped (decided first)."),
  })
  .openapi("ApprovalView", { description: "An approval still waiting for a decision." });

export const EventWaitView = z
  .object({
    key: z.string(),
    name: z.string().describe("The event's name: send it with POST /api/runs/{id}/events/{name}."),
    expiresAt: z.string().describe("When the wait ends with EventTimeoutError."),
  })
  .openapi("EventWaitView", { description: "An event wait still open." });

export const RunDetail = RunSummary.extend({
  version: z.string().nullable().describe("The workflow's source version (a hash of its file and companion folder) when the run started."),
  workerVersion: z.string().nullable().describe("The Worker version that started the run (from the version metadata binding), if bound."),
  restartOf: z.string().nullable().describe("The run this one restarted (POST /api/runs/{id}/restart), or null."),
  approvals: z.array(ApprovalView).describe("Approvals waiting for a decision."),
  events: z.array(EventWaitView).describe("Events the run waits for."),
  input: z.unknown().nonoptional().describe("The input the run started with."),
  output: z.unknown().nonoptional().describe("What the workflow returned (null until it completed)."),
  error: orNull(ErrorView),
  steps: z.array(StepView).describe("The first page of its steps, in the order they were recorded (at most 1,000)."),
  stepCount: z.number().int().describe("How many steps the run has."),
  nextStepsCursor: z.string().nullable().describe("Pass to GET /api/runs/{id}/steps?cursor= for the steps after this page; null when `steps` holds them all."),
}).openapi("RunDetail", { description: "A run with its input, outcome and (the first page of) its steps." });

export const StepPage = z
  .object({
    steps: z.array(StepView),
    stepCount: z.number().int().describe("How many steps the run has."),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last."),
  })
  .openapi("StepPage", { description: "A page of a run's steps, in the order they were recorded." });

export const RunPage = z
  .object({
    runs: z.array(RunSummary),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last."),
  })
  .openapi("RunPage", { description: "A page of runs, newest first, and the cursor of the next one." });

export const ScheduleView = z
  .object({
    cron: z.string().describe('The cron expression, e.g. "0 9 * * 1-5".'),
    timezone: z.string().describe("The IANA time zone it is read in."),
    overlap: z.enum(["skip", "allow"]).describe('"skip": a tick starts nothing while the previous scheduled run is active; "allow": every tick starts one.'),
    next: z.string().nullable().describe("The next minute it is due (ISO time), or null when it never is again."),
    last: z
      .object({ scheduledAt: z.string(), outcome: z.enum(["started", "skipped"]), runId: z.string() })
      .nullable()
      .describe("The most recent tick: the minute, and the run it started or the active run it skipped for; null before the first."),
  })
  .openapi("ScheduleView", { description: "A workflow's schedule, its next due time and what its last tick did." });

export const WorkflowEntry = z
  .object({
    name: z.string(),
    kind: z.enum(["workflow", "script"]),
    version: z.string().describe("A hash of its source; runs record the version they started on."),
    schedule: orNull(ScheduleView).describe("When the scheduler starts runs of it (workflow(fn, { schedule })), or null."),
  })
  .openapi("WorkflowEntry", { description: "A registered workflow or script." });

export const WorkflowList = z.object({ workflows: z.array(WorkflowEntry) }).openapi("WorkflowList", { description: "Every registered workflow and script, sorted by name." });

export const RestartView = z
  .object({
    id: z.string(),
    restartOf: z.string(),
    fromStep: z.string().nullable().describe("The step the new run runs again first, or null when it keeps every completed step."),
    status: RunStatus,
  })
  .openapi("RestartView", { description: "What restarting a run answers (201): the new run." });

export const EventSentView = z
  .object({
    name: z.string(),
    deliveredTo: z.string().nullable().describe("The key of the wait it settled, or null when it was kept for the first wait to come."),
  })
  .openapi("EventSentView", { description: "What sending an event answers (202)." });

export const DecisionView = z
  .object({
    key: z.string(),
    approved: z.boolean(),
    decision: z.enum(["approved", "rejected", "timeout"]),
    by: z.string().optional(),
    comment: z.string().optional(),
    decidedAt: z.string(),
  })
  .openapi("DecisionView", { description: "What deciding an approval answers." });

export const ApiErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe("Stable and machine-readable, e.g. run_not_found, invalid_request."),
      message: z.string().describe("What went wrong and what to change."),
    }),
  })
  .openapi("ApiErrorBody", { description: "Every error answer: a rejected request changed nothing." });

// ---- What the API reads --------------------------------------------------------------

export const StartBody = z
  .object({
    workflow: z.string().min(1, "workflow must name a registered workflow").describe("The workflow's path, as GET /api/workflows lists it."),
    input: z.unknown().optional().describe("The run's input: any JSON (at most 1 MiB with the rest of the body)."),
  })
  .openapi("StartBody");

// Strict: `{"input": ...}` here is a common slip, and must not silently run the script without args.
export const ScriptBody = z
  .strictObject({
    args: z.unknown().optional().describe("The script's arguments: any JSON."),
  })
  .openapi("ScriptBody");

export const DecisionBody = z
  .object({
    approved: z.boolean({ error: "approved must be true or false" }),
    comment: z.string().max(2000).optional(),
    by: z.string().min(1).max(200).optional().describe("Who decided, as recorded with the decision."),
  })
  .openapi("DecisionBody");

// Strict: an event's data goes in "payload"; anything else is a slip worth naming.
export const EventBody = z
  .strictObject({
    payload: z.unknown().optional().describe("What waitForEvent resolves to: any JSON (null when left out)."),
  })
  .openapi("EventBody");

export const RestartBody = z
  .strictObject({
    fromStep: z.string().min(1, 'fromStep must be a step key, e.g. "charge#0"').optional().describe("The step to run again, and everything after it; default: the first step that did not complete."),
  })
  .openapi("RestartBody");

/** A time in a query: an ISO 8601 date-time (with its offset) or a date, as milliseconds. */
const QueryTime = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: "must be an ISO 8601 time, e.g. 2026-11-30T12:00:00Z, or a date, e.g. 2026-11-30" })
  .transform((value) => Date.parse(value));

export const ListQuery = z.strictObject({
  workflow: z.string().min(1).optional().openapi({ description: "Only runs of this workflow (or script) path." }),
  // One status or several, comma-separated: ?status=failed,cancelled
  status: z
    .string()
    .transform((value) => value.split(",").map((part) => part.trim()))
    .pipe(z.array(RunStatus).min(1))
    .optional()
    .openapi({ type: "string", description: "One status or several, comma-separated: failed,cancelled.", example: "failed,cancelled" }),
  parentId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "parentId must be a run id").optional().openapi({ description: "Only the children of this run." }),
  createdAfter: QueryTime.optional().openapi({ type: "string", description: "Only runs created at or after this ISO 8601 time or date." }),
  createdBefore: QueryTime.optional().openapi({ type: "string", description: "Only runs created before this ISO 8601 time or date." }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20).openapi({ type: "integer", description: `Runs per page, 1 to ${MAX_PAGE_SIZE}.` }),
  cursor: z.string().min(1).optional().openapi({ description: "The nextCursor of the previous page." }),
});

export const StepsQuery = z.strictObject({
  cursor: z.string().min(1).optional().openapi({ description: "nextStepsCursor of the run, or nextCursor of the previous page." }),
  limit: z.coerce.number().int().min(1).max(1000).default(1000).openapi({ type: "integer", description: "Steps per page, 1 to 1,000." }),
});

export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, "Idempotency-Key must be 1 to 255 visible ASCII characters")
  .openapi({ description: "Makes the start safe to retry: the same key reaches the same run (a repeat answers 200 with it). Send one with every start." });

export const RunIdParam = z.string().openapi({ param: { name: "id", in: "path" }, description: "The run's id." });
export const StepKeyParam = z.string().openapi({ param: { name: "key", in: "path" }, description: 'A step key, percent-encoded (e.g. "approval%230").' });
export const EventNameParam = z
  .string()
  .regex(EVENT_NAME, 'an event name is 1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit')
  .openapi({ param: { name: "name", in: "path" }, description: "The event's name, as the workflow's waitForEvent names it." });
export const ScriptPathParam = z.string().openapi({ param: { name: "path", in: "path" }, description: "The script's path, as GET /api/workflows lists it; may contain slashes." });
