// Every /api route, declared once with its schemas: the app serves each of these (see
// app.ts) and the OpenAPI document is built from them (scripts/api-types.ts). Paths
// are written as clients see them (`/api/runs/{id}`), the names the README uses.

import * as z from "zod/mini";
import { EventsQuery, RunEventPage, StreamQuery } from "./event-schemas.ts";
import { doc } from "./schema-kit.ts";
import { MAX_INBOX_BYTES, MAX_INBOX_EVENTS } from "../runs/event-inbox.ts";
import {
  DecisionBody,
  DecisionView,
  EventBody,
  EventNameParam,
  EventSentView,
  IdempotencyKey,
  ListQuery,
  MAX_INPUT_BYTES,
  MAX_SMALL_BODY_BYTES,
  RestartBody,
  RestartView,
  RunDetail,
  RunIdParam,
  RunPage,
  RunSummary,
  ScriptBody,
  ScriptPathParam,
  StepDetail,
  StepKeyParam,
  StepPage,
  StepsQuery,
  WorkflowList,
} from "./schemas.ts";
import { WorkersList } from "./worker-schemas.ts";
import { KeptValueJson, MAX_KEPT_INPUT_BYTES } from "./payload-schemas.ts";
import { createRoute, json, refusals } from "./route-kit.ts";
import { BatchStartBody, BatchStartResult, MAX_BATCH_BODY_BYTES, MAX_BATCH_RUNS } from "./batch-schemas.ts";
import { StartAnswer, StartBody } from "./start-schemas.ts";
import { CancelBody } from "./cancel-body.ts";

export type { ResponseSpec, RouteSpec } from "./route-kit.ts";
import { WORKER_ROUTES } from "./worker-routes.ts";
import { QUERY_ROUTES } from "./query-schemas.ts";
import { UPDATE_ROUTES } from "./update-schemas.ts";

/** Refusals every authenticated route can give. */
const common = { 401: "unauthorized: no token, a wrong one, or no BATON_API_TOKEN set on the Worker" } as const;


const idempotencyHeader = z.object({ "Idempotency-Key": z.optional(IdempotencyKey) });
/** A start's headers: its Idempotency-Key, and the caller's trace. */
const startHeaders = z.object({
  "Idempotency-Key": z.optional(IdempotencyKey),
  traceparent: z.optional(doc("W3C Trace Context: the run's trace becomes the caller's, its root span a child of this span (when the Worker exports traces). A malformed value is ignored.", z.string())),
});
const runParams = z.object({ id: RunIdParam });

export const startRun = createRoute({
  method: "post",
  path: "/api/runs",
  operationId: "startRun",
  summary: "Start a run of a workflow",
  request: {
    headers: startHeaders,
    body: { required: true, description: `At most ${MAX_INPUT_BYTES} bytes, or ${MAX_KEPT_INPUT_BYTES} with a BATON_PAYLOADS bucket (an input over 128 KiB is then kept there).`, schema: StartBody },
  },
  responses: {
    201: json(StartAnswer, "Started (with singleton cancel-previous: after cancelling the active run)."),
    200: json(StartAnswer, "No new run: the one this Idempotency-Key started, the pending run a debounce start joined (debounced: true), or the active run a singleton skip found."),
    ...refusals({
      ...common,
      400: "invalid_json, invalid_request (also: debounce with singleton, or either with an Idempotency-Key), or invalid_input: the input does not fit the workflow's input schema (issues lists each failing path)",
      404: "workflow_not_found",
      409: "idempotency_conflict: the key was used with another workflow or input",
      413: "payload_too_large",
      503: "workflow_build_failed: the workflow's file does not build (build: file, line, column, message)",
    }),
  },
});

export const startRunBatch = createRoute({
  method: "post",
  path: "/api/runs/batch",
  operationId: "startRunBatch",
  summary: `Start up to ${MAX_BATCH_RUNS} runs in one request, one answer per item`,
  request: {
    headers: z.object({ traceparent: startHeaders.shape.traceparent }),
    body: { required: true, description: `At most ${MAX_BATCH_BODY_BYTES} bytes; each item's input at most ${MAX_INPUT_BYTES} bytes. Each item's idempotencyKey works as POST /api/runs's Idempotency-Key.`, schema: BatchStartBody },
  },
  responses: {
    200: json(BatchStartResult, "One answer per item, in order: 201 or 200 with the run, or the status and error POST /api/runs would answer for that item (it started nothing; the others are unaffected)."),
    ...refusals({ ...common, 400: "invalid_json or invalid_request: the batch as a whole is malformed (not 1 to 1,000 items, unknown fields); nothing was started", 413: "payload_too_large" }),
  },
});

export const startScriptRun = createRoute({
  method: "post",
  path: "/api/scripts/{path}/runs",
  operationId: "startScriptRun",
  summary: "Run a registered script as a run of one task",
  request: {
    params: z.object({ path: ScriptPathParam }),
    headers: startHeaders,
    body: { required: true, schema: ScriptBody },
  },
  responses: {
    201: json(RunSummary, "Started."),
    200: json(RunSummary, "A run was already started with this Idempotency-Key: that run."),
    ...refusals({ ...common, 400: "invalid_json or invalid_request", 404: "script_not_found", 409: "idempotency_conflict", 413: "payload_too_large" }),
  },
});

export const listRuns = createRoute({
  method: "get",
  path: "/api/runs",
  operationId: "listRuns",
  summary: "List runs, newest first, filtered and paged",
  request: { query: ListQuery },
  responses: { 200: json(RunPage, "A page of runs."), ...refusals({ ...common, 400: "invalid_request: a filter, limit or cursor that does not fit" }) },
});

export const getRun = createRoute({
  method: "get",
  path: "/api/runs/{id}",
  operationId: "getRun",
  summary: "A run with its input, outcome, steps, open approvals and event waits",
  request: { params: runParams },
  responses: { 200: json(RunDetail, "The run."), ...refusals({ ...common, 404: "run_not_found" }) },
});

export const deleteRun = createRoute({
  method: "delete",
  path: "/api/runs/{id}",
  operationId: "deleteRun",
  summary: "Delete an ended run: its storage and its list entry",
  request: { params: runParams },
  responses: {
    204: { description: "Deleted." },
    ...refusals({ ...common, 404: "run_not_found", 409: "run_not_active (cancel it first) or run_busy (still reporting its end; retry)" }),
  },
});

export const getStep = createRoute({
  method: "get",
  path: "/api/runs/{id}/steps/{key}",
  operationId: "getStep",
  summary: "One step with its output, attempts and logs",
  request: { params: z.object({ id: RunIdParam, key: StepKeyParam }) },
  responses: { 200: json(StepDetail, "The step."), ...refusals({ ...common, 404: "run_not_found or step_not_found" }) },
});

/** The answer of a download of a value (kept in BATON_PAYLOADS or inline): the JSON itself. */
const keptValue = (what: string) => json(KeptValueJson, `${what}.`);

export const getRunInput = createRoute({
  method: "get",
  path: "/api/runs/{id}/input",
  operationId: "getRunInput",
  summary: "A run's input as JSON, however large (its detail shows inputRef instead of a value kept in BATON_PAYLOADS)",
  request: { params: runParams },
  responses: { 200: keptValue("The run's input"), ...refusals({ ...common, 404: "run_not_found", 502: "payload_missing: the kept object is gone from the bucket" }) },
});

export const getRunOutput = createRoute({
  method: "get",
  path: "/api/runs/{id}/output",
  operationId: "getRunOutput",
  summary: "A completed run's output as JSON, however large (its detail shows outputRef instead of a value kept in BATON_PAYLOADS)",
  request: { params: runParams },
  responses: { 200: keptValue("What the workflow returned"), ...refusals({ ...common, 404: "run_not_found", 409: "run_not_completed", 502: "payload_missing: the kept object is gone from the bucket" }) },
});

export const getStepOutput = createRoute({
  method: "get",
  path: "/api/runs/{id}/steps/{key}/output",
  operationId: "getStepOutput",
  summary: "A completed step's result as JSON, however large (its detail shows outputRef instead of a value kept in BATON_PAYLOADS)",
  request: { params: z.object({ id: RunIdParam, key: StepKeyParam }) },
  responses: { 200: keptValue("The step's result"), ...refusals({ ...common, 404: "run_not_found or step_not_found", 409: "step_not_completed", 502: "payload_missing: the kept object is gone from the bucket" }) },
});

export const listSteps = createRoute({
  method: "get",
  path: "/api/runs/{id}/steps",
  operationId: "listSteps",
  summary: "A run's steps, page by page (GET /api/runs/{id} carries the first page)",
  request: { params: runParams, query: StepsQuery },
  responses: { 200: json(StepPage, "A page of steps."), ...refusals({ ...common, 400: "invalid_request: a limit or cursor that does not fit", 404: "run_not_found" }) },
});

export const runEvents = createRoute({
  method: "get",
  path: "/api/runs/{id}/events",
  operationId: "runEvents",
  summary: "A run's events after a cursor: JSON pages, or with Accept: text/event-stream a live stream that ends when the run does",
  request: { params: runParams, query: EventsQuery, headers: z.object({ "Last-Event-ID": z.optional(doc("With Server-Sent Events: resume after this event id.", z.string())) }) },
  responses: {
    200: json(RunEventPage, "A page of events (application/json), or Server-Sent Events (text/event-stream): each run event as a message with its id, then an `end` event when the run ended."),
    ...refusals({ ...common, 400: "invalid_request: an after or limit that does not fit", 404: "run_not_found", 429: "too_many_readers: the run already serves its most live readers" }),
  },
});

export const streamRuns = createRoute({
  method: "get",
  path: "/api/runs/stream",
  operationId: "streamRuns",
  summary: "Server-Sent Events of every run's creation, status changes and end (filtered by workflow and status)",
  request: { query: StreamQuery, headers: z.object({ "Last-Event-ID": z.optional(doc("Resume after this event's id.", z.string())) }) },
  responses: {
    200: { description: "Server-Sent Events (text/event-stream), each a RunStreamEvent as a message with its id; it runs until the client leaves." },
    ...refusals({ ...common, 400: "invalid_request: a filter or cursor that does not fit", 429: "too_many_readers: the run list serves its most live readers" }),
  },
});

export const cancelRun = createRoute({
  method: "post",
  path: "/api/runs/{id}/cancel",
  operationId: "cancelRun",
  summary: "Cancel an active run (with rollback: its completed steps' rollbacks run first; a run that continued as new: its chain's current run)",
  request: { params: runParams, body: { required: false, description: `Optional; at most ${MAX_SMALL_BODY_BYTES} bytes.`, schema: CancelBody } },
  responses: {
    200: json(RunSummary, "Cancelled (for a chain: its current run's summary)."),
    ...refusals({ ...common, 400: "invalid_json or invalid_request", 404: "run_not_found", 409: "run_not_active: it already ended; run_paused: a paused run is cancelled with rollback once resumed; run_busy: it continued as new and its successor is still being started (retry)", 413: "payload_too_large" }),
  },
});

export const pauseRun = createRoute({
  method: "post",
  path: "/api/runs/{id}/pause",
  operationId: "pauseRun",
  summary: "Pause an active run: it starts no new attempt and fires no timer until resumed",
  request: { params: runParams },
  responses: { 200: json(RunSummary, "Paused (or already paused)."), ...refusals({ ...common, 404: "run_not_found", 409: "run_not_active: it already ended" }) },
});

export const resumeRun = createRoute({
  method: "post",
  path: "/api/runs/{id}/resume",
  operationId: "resumeRun",
  summary: "Resume a paused run: what fell due while it was paused fires now",
  request: { params: runParams },
  responses: { 200: json(RunSummary, "Resumed (or was not paused)."), ...refusals({ ...common, 404: "run_not_found", 409: "run_not_active: it already ended" }) },
});

export const restartRun = createRoute({
  method: "post",
  path: "/api/runs/{id}/restart",
  operationId: "restartRun",
  summary: "Start a new run of an ended run's workflow and input, keeping the steps that completed before fromStep",
  request: {
    params: runParams,
    headers: idempotencyHeader,
    body: { required: false, description: `Optional; at most ${MAX_SMALL_BODY_BYTES} bytes.`, schema: RestartBody },
  },
  responses: {
    201: json(RestartView, "The new run."),
    200: json(RestartView, "A restart was already made with this Idempotency-Key: that run."),
    ...refusals({ ...common, 400: "invalid_json or invalid_request", 404: "run_not_found or step_not_found", 409: "run_not_active (it is still active) or idempotency_conflict", 413: "payload_too_large" }),
  },
});

export const sendEvent = createRoute({
  method: "post",
  path: "/api/runs/{id}/events/{name}",
  operationId: "sendEvent",
  summary: "Send an event with a payload to a run (kept until the run waits for it)",
  request: {
    params: z.object({ id: RunIdParam, name: EventNameParam }),
    headers: idempotencyHeader,
    body: { required: true, description: `At most ${MAX_INPUT_BYTES} bytes, or ${MAX_KEPT_INPUT_BYTES} with a BATON_PAYLOADS bucket (a payload over 128 KiB is then kept there).`, schema: EventBody },
  },
  responses: {
    202: json(
      EventSentView,
      "Accepted: it settled the oldest wait for it, or is kept for the first wait that comes. Sent again with the same Idempotency-Key, name and payload: the first answer again, and nothing delivered twice.",
    ),
    ...refusals({
      ...common,
      400: "invalid_json or invalid_request",
      404: "run_not_found",
      409: "run_not_active: it already ended; or idempotency_conflict: the key was used for another event",
      413: "payload_too_large",
      429: `inbox_full: no wait takes it and the run keeps as many events as it may (${MAX_INBOX_EVENTS}, ${MAX_INBOX_BYTES} bytes, or its 64 MiB per run)`,
    }),
  },
});

export const decideApproval = createRoute({
  method: "post",
  path: "/api/runs/{id}/approvals/{key}",
  operationId: "decideApproval",
  summary: "Approve or reject a waiting approval",
  request: {
    params: z.object({ id: RunIdParam, key: StepKeyParam }),
    body: { required: true, description: `At most ${MAX_SMALL_BODY_BYTES} bytes.`, schema: DecisionBody },
  },
  responses: {
    200: json(DecisionView, "Decided."),
    ...refusals({
      ...common,
      400: "invalid_json or invalid_request",
      404: "run_not_found or approval_not_found",
      409: "run_not_active or approval_already_decided",
      413: "payload_too_large",
    }),
  },
});

export const listWorkflows = createRoute({
  method: "get",
  path: "/api/workflows",
  operationId: "listWorkflows",
  summary: "The registered workflows and scripts, with their versions and schedules",
  responses: { 200: json(WorkflowList, "Every workflow and script."), ...refusals(common) },
});

export const openApiDocumentRoute = createRoute({
  method: "get",
  path: "/api/openapi.json",
  operationId: "openApiDocument",
  summary: "This document (no token needed)",
  public: true,
  responses: { 200: { description: "The OpenAPI 3.1 document of the API." } },
});

export const listWorkers = createRoute({
  method: "get",
  path: "/api/workers",
  operationId: "listWorkers",
  summary: "The workers you run that registered, and each queue's load",
  responses: { 200: json(WorkersList, "Every worker seen in the last week."), ...refusals(common) },
});

/** Every /api route, in the order the README lists them. */
export const API_ROUTES = [
  startRun,
  startRunBatch,
  startScriptRun,
  getRun,
  listSteps,
  getStep,
  getRunInput,
  getRunOutput,
  getStepOutput,
  listRuns,
  runEvents,
  streamRuns,
  cancelRun,
  pauseRun,
  resumeRun,
  restartRun,
  deleteRun,
  sendEvent,
  ...QUERY_ROUTES,
  ...UPDATE_ROUTES,
  decideApproval,
  listWorkflows,
  listWorkers,
  ...WORKER_ROUTES,
  openApiDocumentRoute,
] as const;
