// The API's shapes as zod schemas: what each route reads (bodies, queries, headers) and
// what it answers. The routes validate with them; scripts/api-types.ts turns them (and
// the routes in routes.ts) into the OpenAPI document the Worker serves and into
// sdk/client/api-types.ts, the types BatonClient and the Worker share. A shape is
// written once, here. zod/mini keeps the Worker small; `API_SCHEMAS` carries the
// names and descriptions the document shows.

import { INBOX_EVENT_TTL_MS, MAX_INBOX_BYTES, MAX_INBOX_EVENTS } from "../runs/event-inbox.ts";
import * as z from "zod/mini";
import { doc, int, named, orNull, text } from "./schema-kit.ts";
import { continuationShape } from "./continue-schemas.ts";
import { RUN_STATUSES, type RunStatus as RunStatusName } from "baton-workflows/engine";
import { EVENT_NAME } from "baton-workflows";

import { RUN_KEPT_VALUES, STEP_KEPT_OUTPUT } from "./payload-schemas.ts";
export { MAX_INPUT_BYTES, MAX_KEPT_INPUT_BYTES, KeptValueView } from "./payload-schemas.ts";

/** An Idempotency-Key: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export { API_SCHEMAS, type SchemaMeta } from "./schema-kit.ts";

/** A run id as the API takes it. */
export const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** Largest accepted body of a route that takes a small one (an approval decision, a restart). */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;
/** Most runs one page of `GET /api/runs` returns. */
export const MAX_PAGE_SIZE = 100;

// ---- What the API answers ------------------------------------------------------------

export const RunStatus = named(
  "RunStatus",
  "Where a run is: queued, running, sleeping (a timer), waiting (an approval, event or child), or ended: completed, failed, cancelled, continued (by continueAsNew: see continuedAs).",
  z.enum(RUN_STATUSES as readonly RunStatusName[] as [RunStatusName, ...RunStatusName[]]),
);

/** An error as the API shows it (ErrorData of sdk/core/error-data.ts). */
export type ErrorShape = { name: string; message: string; code?: string | undefined; cause?: ErrorShape | undefined; fields?: Record<string, unknown> | undefined; stack?: string | undefined };

export const ErrorView: z.ZodMiniType<ErrorShape> = named(
  "ErrorView",
  "An error as the API shows it: the thrown error's name, message, code, causes, own JSON fields and stack.",
  z.object({
    name: text(),
    message: text(),
    code: z.optional(text()),
    get cause() {
      return z.optional(ErrorView);
    },
    fields: z.optional(doc("The error's other own JSON properties, e.g. `declineCode`; a thrown non-Error's `value`.", z.record(z.string(), z.unknown()))),
    stack: z.optional(doc("Where it was thrown.", text())),
  }),
);

const summaryShape = {
  id: text(),
  workflow: doc("The workflow's (or, for a script run, the script's) path.", text()),
  kind: doc('"workflow", or "script" for a run started by POST /api/scripts/{path}/runs.', z.enum(["workflow", "script"])),
  status: RunStatus,
  parentId: doc("The run whose taskFlow started this one, or null.", orNull(text())),
  createdAt: text(),
  updatedAt: text(),
  startsAt: z.optional(doc("For a debounced run that has not begun (queued): when its body begins, unless a later start with its key pushes it.", text())),
  wakeAt: z.optional(doc("For a sleeping or waiting run: the earliest time something it waits for falls due by itself (a sleep ends, an approval, event wait or child flow times out).", text())),
  ...continuationShape,
};

export const RunSummary = named("RunSummary", "A run as lists show it.", z.object(summaryShape));

export const AttemptView = named(
  "AttemptView",
  "One finished attempt of a task or step.",
  z.object({
    attempt: int(),
    startedAt: doc("When it was dispatched (a task) or began (a step).", orNull(text())),
    ranAt: doc("Tasks: when a consumer took the attempt's message, so startedAt → ranAt was queue wait (null for steps, and attempts stored before this was recorded).", orNull(text())),
    endedAt: text(),
    error: orNull(ErrorView),
  }),
);

export const EmailView = named(
  "EmailView",
  "One approval email and how sending it went.",
  z.object({
    to: text(),
    status: doc("pending, sent, failed (after retries) or skipped (decided first).", text()),
    attempts: int(),
    error: orNull(text()),
  }),
);

const stepShape = {
  key: text(),
  kind: z.enum(["task", "step", "sleep", "approval", "event", "flow", "send", "patch", "continue", "update"]),
  name: text(),
  status: z.enum(["queued", "running", "retrying", "sleeping", "waiting", "completed", "failed", "cancelled"]),
  attempts: int(),
  startedAt: text(),
  endedAt: orNull(text()),
  error: orNull(ErrorView),
  wakeAt: z.optional(text()),
  emails: z.optional(doc("Approval steps: their emails and how sending them went.", z.array(EmailView))),
  cached: z.optional(doc("Tasks with cacheTtl: true when the result was reused from the cache, not run.", z.literal(true))),
  childId: z.optional(doc("Flow steps: the child run's id.", text())),
  event: z.optional(doc("Event waits: the event's name.", text())),
  script: z.optional(doc("Tasks run by taskScript: the script's path.", text())),
  history: z.optional(doc("Tasks and steps tried more than once (or failed): each finished attempt, its times and error.", z.array(AttemptView))),
};

export const StepView = named("StepView", "One step as `GET /api/runs/{id}` shows it.", z.object(stepShape));

export const LogLineView = named(
  "LogLineView",
  "A line a task or step closure printed with console.log, info, warn, error or debug.",
  z.object({
    attempt: int(),
    at: doc("When it was printed (ms since the epoch).", z.number()),
    level: z.enum(["log", "info", "warn", "error", "debug"]),
    message: text(),
  }),
);

export const StepDetail = named(
  "StepDetail",
  "One step with everything it produced, as `GET /api/runs/{id}/steps/{key}` answers.",
  z.object({
    ...stepShape,
    output: doc("Its JSON result (null until it completed, or when it returned nothing).", z.unknown()),
    ...STEP_KEPT_OUTPUT,
    history: doc("Tasks and steps: every finished attempt, its times and error (empty for other kinds).", z.array(AttemptView)),
    logs: doc("What its closure printed, attempt by attempt (capped per attempt).", z.array(LogLineView)),
  }),
);

export const ApprovalView = named(
  "ApprovalView",
  "An approval still waiting for a decision.",
  z.object({
    key: text(),
    to: z.array(text()),
    message: text(),
    expiresAt: text(),
    approveUrl: doc("Signed link that approves (null while BATON_SIGNING_KEY is unset).", orNull(text())),
    rejectUrl: doc("Signed link that rejects (null while BATON_SIGNING_KEY is unset).", orNull(text())),
    emails: doc("The approval emails: pending, sent, failed (after retries) or skipped (decided first).", z.array(EmailView)),
  }),
);

export const EventWaitView = named(
  "EventWaitView",
  "An event wait still open.",
  z.object({
    key: text(),
    name: doc("The event's name: send it with POST /api/runs/{id}/events/{name}.", text()),
    expiresAt: doc("When the wait ends with EventTimeoutError.", text()),
  }),
);

export const KeptEventView = named(
  "KeptEventView",
  "An event sent before any wait for its name: kept (first in, first out per name) for the first wait that comes.",
  z.object({
    name: text(),
    size: doc("Bytes of its JSON payload.", int()),
    sentAt: text(),
    expiresAt: doc("When it is dropped if no wait has taken it.", text()),
  }),
);

export const RunDetail = named(
  "RunDetail",
  "A run with its input, outcome and (the first page of) its steps.",
  z.object({
    ...summaryShape,
    version: doc("The workflow's source version (a hash of its file and companion folder) when the run started.", orNull(text())),
    workerVersion: doc("The Worker version that started the run (from the version metadata binding), if bound.", orNull(text())),
    restartOf: doc("The run this one restarted (POST /api/runs/{id}/restart), or null.", orNull(text())),
    language: doc('The language its body runs in: "typescript" in the Worker, or the language of the workers you run that serve its workflow (e.g. "python").', text()),
    bodyQueue: doc("The worker queue whose workers run its body, or null when the Worker does.", orNull(text())),
    waitingOn: doc(
      "What a sleeping or waiting run waits on, in the order the waits began: its sleeps (wakeAt), approvals and event waits (expiresAt), and child runs (runId); empty otherwise.",
      z.array(
        z.union([
          z.object({ kind: z.literal("sleep"), key: text(), wakeAt: orNull(text()) }),
          z.object({ kind: z.literal("approval"), key: text(), expiresAt: orNull(text()) }),
          z.object({ kind: z.literal("event"), key: text(), name: text(), expiresAt: orNull(text()) }),
          z.object({ kind: z.literal("child"), key: text(), runId: text(), workflow: text(), expiresAt: orNull(text()) }),
        ]),
      ),
    ),
    waitingForWorker: doc('Set while its body or a task waits for a worker you run to take it, e.g. "a worker on queue python"; null otherwise.', orNull(text())),
    approvals: doc("Approvals waiting for a decision.", z.array(ApprovalView)),
    events: doc("Events the run waits for.", z.array(EventWaitView)),
    inbox: doc(
      `Events sent before any wait for them, kept for the first that comes (at most ${MAX_INBOX_EVENTS} and ${MAX_INBOX_BYTES} bytes; dropped after ${INBOX_EVENT_TTL_MS / 86_400_000} days or when the run ends).`,
      z.array(KeptEventView),
    ),
    input: doc("The input the run started with.", z.unknown()),
    output: doc("What the workflow returned (null until it completed).", z.unknown()),
    ...RUN_KEPT_VALUES,
    error: orNull(ErrorView),
    state: doc("What the body last published with setState() (JSON, at most 64 KiB), as of its last completed event; null if it never did.", z.unknown()),
    steps: doc("The first page of its steps, in the order they were recorded (at most 1,000).", z.array(StepView)),
    stepCount: doc("How many steps the run has.", int()),
    nextStepsCursor: doc("Pass to GET /api/runs/{id}/steps?cursor= for the steps after this page; null when `steps` holds them all.", orNull(text())),
  }),
);

export const StepPage = named(
  "StepPage",
  "A page of a run's steps, in the order they were recorded.",
  z.object({
    steps: z.array(StepView),
    stepCount: doc("How many steps the run has.", int()),
    nextCursor: doc("Pass as `cursor` for the next page; null on the last.", orNull(text())),
  }),
);

export const RunPage = named(
  "RunPage",
  "A page of runs, newest first, and the cursor of the next one.",
  z.object({
    runs: z.array(RunSummary),
    nextCursor: doc("Pass as `cursor` for the next page; null on the last.", orNull(text())),
  }),
);

export const ScheduleView = named(
  "ScheduleView",
  "A workflow's schedule, its next due time and what its last tick did.",
  z.object({
    cron: doc('The cron expression, e.g. "0 9 * * 1-5".', text()),
    timezone: doc("The IANA time zone it is read in.", text()),
    overlap: doc('"skip": a tick starts nothing while the previous scheduled run is active; "allow": every tick starts one.', z.enum(["skip", "allow"])),
    next: doc("The next minute it is due (ISO time), or null when it never is again.", orNull(text())),
    last: doc(
      "The most recent tick: the minute, and the run it started or the active run it skipped for; null before the first.",
      orNull(z.object({ scheduledAt: text(), outcome: z.enum(["started", "skipped"]), runId: text() })),
    ),
  }),
);

export const WorkflowEntry = named(
  "WorkflowEntry",
  "A registered workflow or script.",
  z.object({
    name: text(),
    kind: z.enum(["workflow", "script"]),
    version: doc("A hash of its source; runs record the version they started on.", text()),
    language: doc('"typescript" for the Worker\'s own; else the language of the workers you run that serve it, e.g. "python".', text()),
    queue: doc("The worker queue whose workers run it, or null for the Worker's own.", orNull(text())),
    workerSeenAt: doc("When a worker serving it was last seen, or null for the Worker's own.", orNull(text())),
    schedule: doc("When the scheduler starts runs of it (workflow(fn, { schedule })), or null.", orNull(ScheduleView)),
    inputSchema: doc("The JSON Schema of the input its workflow(fn, { input }) schema takes, where the schema's library gives one; else null.", orNull(z.record(z.string(), z.unknown()))),
  }),
);

export const BuildFailureView = named(
  "BuildFailureView",
  "A workflow file left out because it does not build: starts of it answer 503 workflow_build_failed.",
  z.object({ name: text(), file: text(), line: int(), column: int(), message: text() }),
);

export const WorkflowList = named(
  "WorkflowList",
  "Every registered workflow and script, sorted by name, and the files that do not build.",
  z.object({ workflows: z.array(WorkflowEntry), buildFailures: doc("Workflow files left out because they do not build (a syntax error, no default export, a bad schedule), with where and why.", z.array(BuildFailureView)) }),
);

export const RestartView = named(
  "RestartView",
  "What restarting a run answers (201): the new run.",
  z.object({
    id: text(),
    restartOf: text(),
    fromStep: doc("The step the new run runs again first, or null when it keeps every completed step.", orNull(text())),
    status: RunStatus,
  }),
);

export const EventSentView = named(
  "EventSentView",
  "What sending an event answers (202).",
  z.object({
    name: text(),
    deliveredTo: doc("The key of the wait it settled, or null when it was kept for the first wait to come.", orNull(text())),
    waiting: doc("Whether the run was waiting for this event: false when it was kept (check the name against waitingFor).", z.boolean()),
    waitingFor: doc("The events the run waits for now, by name.", z.array(text())),
  }),
);

export const DecisionView = named(
  "DecisionView",
  "What deciding an approval answers.",
  z.object({
    key: text(),
    approved: z.boolean(),
    decision: z.enum(["approved", "rejected", "timeout"]),
    by: z.optional(text()),
    comment: z.optional(text()),
    decidedAt: text(),
  }),
);

export const ApiErrorBody = named(
  "ApiErrorBody",
  "Every error answer: a rejected request changed nothing.",
  z.object({
    error: z.object({
      code: doc("Stable and machine-readable, e.g. run_not_found, invalid_request.", text()),
      message: doc("What went wrong and what to change.", text()),
    }),
  }),
);

// ---- What the API reads --------------------------------------------------------------

// StartBody, with its debounce and singleton options: start-schemas.ts.

// Strict: `{"input": ...}` here is a common slip, and must not silently run the script without args.
export const ScriptBody = named("ScriptBody", undefined, z.strictObject({ args: z.optional(doc("The script's arguments: any JSON.", z.unknown())) }));

export const DecisionBody = named(
  "DecisionBody",
  undefined,
  z.object({
    approved: z.boolean({ error: "approved must be true or false" }),
    comment: z.optional(z.string().check(z.maxLength(2000))),
    by: z.optional(doc("Who decided, as recorded with the decision.", z.string().check(z.minLength(1), z.maxLength(200)))),
  }),
);

// Strict: an event's data goes in "payload"; anything else is a slip worth naming.
export const EventBody = named("EventBody", undefined, z.strictObject({ payload: z.optional(doc("What waitForEvent resolves to: any JSON (null when left out).", z.unknown())) }));

export const RestartBody = named(
  "RestartBody",
  undefined,
  z.strictObject({
    fromStep: z.optional(
      doc("The step to run again, and everything after it; default: the first step that did not complete.", z.string().check(z.minLength(1, 'fromStep must be a step key, e.g. "charge#0"'))),
    ),
  }),
);

/** A time in a query: an ISO 8601 date-time (with its offset) or a date, as milliseconds. A new schema each time, so each can be described. */
const queryTime = () =>
  z.pipe(
    z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: "must be an ISO 8601 time, e.g. 2026-11-30T12:00:00Z, or a date, e.g. 2026-11-30" }),
    z.transform((value: string) => Date.parse(value)),
  );

/** A query parameter naming one run status or several, comma-separated. */
export function statusList(description: string, example: string) {
  return doc(
    description,
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((value: string) => value.split(",").map((part) => part.trim())),
      ),
      z.array(RunStatus).check(z.minLength(1)),
    ),
    example,
  );
}

export const ListQuery = z.strictObject({
  workflow: z.optional(doc("Only runs of this workflow (or script) path.", z.string().check(z.minLength(1)))),
  // One status or several, comma-separated: ?status=failed,cancelled
  status: z.optional(statusList("One status or several, comma-separated: failed,cancelled.", "failed,cancelled")),
  parentId: z.optional(doc("Only the children of this run.", z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, "parentId must be a run id")))),
  createdAfter: z.optional(doc("Only runs created at or after this ISO 8601 time or date.", queryTime())),
  createdBefore: z.optional(doc("Only runs created before this ISO 8601 time or date.", queryTime())),
  limit: z._default(doc(`Runs per page, 1 to ${MAX_PAGE_SIZE}.`, z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_PAGE_SIZE))), 20),
  cursor: z.optional(doc("The nextCursor of the previous page.", z.string().check(z.minLength(1)))),
});

export const StepsQuery = z.strictObject({
  cursor: z.optional(doc("nextStepsCursor of the run, or nextCursor of the previous page.", z.string().check(z.minLength(1)))),
  limit: z._default(doc("Steps per page, 1 to 1,000.", z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000))), 1000),
});

export const IdempotencyKey = doc(
  "Makes the request safe to retry: a start or restart with the same key reaches the same run (a repeat answers 200 with it); an event sent again with the same key is answered as the first time and delivered once.",
  z.string().check(z.regex(IDEMPOTENCY_KEY, "Idempotency-Key must be 1 to 255 visible ASCII characters")),
);

export const RunIdParam = doc("The run's id.", z.string());
export const StepKeyParam = doc('A step key, percent-encoded (e.g. "approval%230").', z.string());
export const EventNameParam = doc(
  "The event's name, as the workflow's waitForEvent names it.",
  z.string().check(z.regex(EVENT_NAME, 'an event name is 1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit')),
);
export const ScriptPathParam = doc("The script's path, as GET /api/workflows lists it; may contain slashes.", z.string());
