// The worker protocol's routes (v1): authenticated with BATON_WORKER_TOKEN, served by
// src/remote/worker-api.ts, in the OpenAPI document beside the API's own.

import * as z from "zod/mini";
import { createRoute, json, refusals } from "./route-kit.ts";
import {
  ClaimParam,
  CompleteBody,
  CompleteView,
  HeartbeatView,
  LogPageQuery,
  LogPageView,
  PollBody,
  QueueParam,
  WorkerRegisterBody,
  WorkerRegistered,
  WorkItems,
} from "./worker-schemas.ts";

/** Refusals every worker route can give. */
const common = {
  401: "unauthorized: no worker token, or a wrong one",
  503: "worker_token_unset: the Worker has no BATON_WORKER_TOKEN secret",
} as const;

const lapsed = { 410: "claim_lapsed: the claim was not heartbeaten in time, or is not one this Worker handed out; another worker may hold the item" } as const;
const claimParams = z.object({ claim: ClaimParam });

export const registerWorker = createRoute({
  method: "post",
  path: "/api/worker/v1/register",
  operationId: "registerWorker",
  summary: "Register a worker and the workflows and scripts it serves",
  worker: true,
  request: { body: { required: true, schema: WorkerRegisterBody } },
  responses: { 200: json(WorkerRegistered, "Registered."), ...refusals({ 400: "invalid_request or protocol_mismatch (the answer names the versions this Worker speaks)", ...common }) },
});

export const pollWork = createRoute({
  method: "post",
  path: "/api/worker/v1/queues/{queue}/poll",
  operationId: "pollWork",
  summary: "Wait for work on a queue (answers within pollSeconds, empty when idle)",
  worker: true,
  request: { params: z.object({ queue: QueueParam }), body: { required: true, schema: PollBody } },
  responses: { 200: json(WorkItems, "The items claimed for this worker."), ...refusals({ 400: "invalid_request", ...common }) },
});

export const heartbeatClaim = createRoute({
  method: "post",
  path: "/api/worker/v1/claims/{claim}/heartbeat",
  operationId: "heartbeatClaim",
  summary: "Extend a claim while its work runs",
  worker: true,
  request: { params: claimParams },
  responses: { 200: json(HeartbeatView, "Extended; `wanted` false when the work was cancelled or settled."), ...refusals({ ...lapsed, ...common }) },
});

export const completeClaim = createRoute({
  method: "post",
  path: "/api/worker/v1/claims/{claim}/complete",
  operationId: "completeClaim",
  summary: "Answer a claim: a task's outcome or an activation's commands",
  worker: true,
  request: { params: claimParams, body: { required: true, schema: CompleteBody } },
  responses: { 200: json(CompleteView, "Taken."), ...refusals({ 400: "invalid_request", ...lapsed, ...common }) },
});

export const claimLog = createRoute({
  method: "get",
  path: "/api/worker/v1/claims/{claim}/log",
  operationId: "claimLog",
  summary: "The rest of a big activation's log",
  worker: true,
  request: { params: claimParams, query: LogPageQuery },
  responses: { 200: json(LogPageView, "The next page."), ...refusals({ 400: "invalid_request", ...lapsed, ...common }) },
});

/** Every worker protocol route. */
export const WORKER_ROUTES = [registerWorker, pollWork, heartbeatClaim, completeClaim, claimLog] as const;
