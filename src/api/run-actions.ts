// What a caller can do to runs, checked once for every way in: the HTTP API's handlers,
// createBaton()'s start/get/… in the hosting Worker, and BatonService over a service
// binding all call these, so each gets the same checks, errors (ApiError: an HTTP
// status and a stable code) and idempotency.

import { receivedJsonProblem, type Json } from "baton-workflows/engine";
import type { DecisionView, EventSentView, RunDetail, RunSummary } from "baton-workflows/client";
import type { Env } from "../env.ts";
import { listedRun } from "../run-list/run-list.ts";
import type { HeldSends } from "../tasks/dispatch.ts";
import { registry, type BuildFailure } from "../registry.ts";
import { remoteEntry } from "../remote/remote-catalog.ts";
import { fingerprintOf, runIdFromKey } from "../runs/run-ids.ts";
import { ApiError } from "./api-error.ts";
import { normalTraceparent } from "../telemetry/traceparent.ts";
import { EVENT_NAME, issuesText, type SchemaIssue } from "baton-workflows";
import { IDEMPOTENCY_KEY, MAX_INPUT_BYTES, RUN_ID } from "./schemas.ts";
import { EVENTS_PAGE_SIZE } from "../runs/run-streams.ts";
import { inputLimit, keptEvent, keptForRun, liftHint } from "../payloads/kept-inputs.ts";
import { payloadStoreOf } from "../payloads/payload-store.ts";
import type { EventPage } from "../runs/observing.ts";
import { gatedStart, hasFlow, type StartFlow } from "./gated-starts.ts";
import type { StartAnswer } from "baton-workflows/client";
import type { CancelOptions } from "../runs/run-api.ts";


/** How a start names its run: by an Idempotency-Key (the id derived from it), by an id of the caller's, or neither (a new UUID); or its debounce or singleton option (gated-starts.ts). */
export interface StartOptions extends StartFlow {
  idempotencyKey?: string | null | undefined;
  id?: string | undefined;
  /** Where approval links point when BATON_PUBLIC_URL is unset (the request's origin). */
  origin?: string | null | undefined;
  /** The caller's W3C traceparent: the run joins the caller's trace. A malformed one is ignored, as W3C asks of a receiver. */
  traceparent?: string | null | undefined;
  /** Keep the input within 1 MiB even with a BATON_PAYLOADS bucket (a batch's items). */
  inlineInput?: boolean | undefined;
  /** A batch start's: the caller lists the run (at the answered revision) and sends the task messages answered (batch-starts.ts); else both are done before this answers. Debounced and singleton starts ignore it: their gate starts and lists the run. */
  batched?: boolean | undefined;
}

/** Starts a run of the workflow (or script run) `name` with `input`; a repeat with the same key or id answers the run the first made. `revision` and `sends` are for a batch to list and send (null and none when the run lists itself). */
export async function startRun(env: Env, name: string, input: unknown, options: StartOptions = {}, kind: "workflow" | "script" = "workflow"): Promise<{ created: boolean; run: StartAnswer; revision: number | null; sends: HeldSends[] }> {
  const failure = registry.buildFailure(name);
  if (failure) throw buildFailed(name, failure);
  // A name the Worker does not have may be one a worker you run serves.
  const entry = registry.entry(name) ?? (await remoteEntry(env, name)) ?? undefined;
  if (kind === "workflow" && entry?.kind === "script") {
    throw new ApiError(404, "workflow_not_found", `"${name}" is a script, not a workflow; run it with POST /api/scripts/${name}/runs and {"args": ...}`);
  }
  if (kind === "workflow" && !entry) throw new ApiError(404, "workflow_not_found", `no workflow "${name}"; GET /api/workflows lists them`);
  if (kind === "script" && entry?.kind !== "script") {
    const hint = entry ? `"${name}" is a workflow; start it with POST /api/runs` : "GET /api/workflows lists them";
    throw new ApiError(404, "script_not_found", `no script "${name}"; ${hint}`);
  }
  // A workflow this Worker runs may take an input up to 100 MB with a BATON_PAYLOADS bucket (kept there); scripts and workers you run keep 1 MiB, as do debounced and singleton starts (their gate stores the input itself).
  const large = kind === "workflow" && registry.entry(name) !== undefined && !options.inlineInput && !hasFlow(options);
  const checked = checkedJson(input, kind === "script" ? "args" : "input", large ? inputLimit(env) : MAX_INPUT_BYTES, large ? liftHint(env) : undefined);
  if (hasFlow(options)) {
    const gated = await gatedStart(env, name, checked, options, kind);
    if (gated.invalid) throw invalidInput(gated.invalid, name);
    return { created: gated.created, run: gated.run, revision: null, sends: [] };
  }
  const key = options.idempotencyKey ?? null;
  if (key !== null && !IDEMPOTENCY_KEY.test(key)) throw new ApiError(400, "invalid_request", "Idempotency-Key must be 1 to 255 visible ASCII characters");
  if (options.id !== undefined && key !== null) throw new ApiError(400, "invalid_request", "give a run an id or an Idempotency-Key, not both");
  if (options.id !== undefined && !RUN_ID.test(options.id)) throw new ApiError(400, "invalid_request", "a run id is 1 to 128 letters, digits, \"_\" or \"-\"");
  const id = options.id ?? (key === null ? crypto.randomUUID() : await runIdFromKey(key));
  const kept = large ? await keptForRun(env, id, checked, "input") : { value: checked };
  const result = await env.RUNS.get(env.RUNS.idFromName(id)).start({ id, workflow: name, input: kept.value, inputRef: kept.ref, idempotencyKey: key, origin: options.origin ?? null, traceparent: normalTraceparent(options.traceparent), batched: options.batched });
  // Not this start's run (a repeat, a conflict, an invalid input): the object written for it is nobody's.
  if (kept.ref && !result.created) await payloadStoreOf(env)?.discard(kept.ref);
  if (result.invalid) throw invalidInput(result.invalid, name);
  if (result.conflict) {
    throw new ApiError(409, "idempotency_conflict", key === null ? `run ${id} exists with a different workflow or input` : `Idempotency-Key "${key}" was used for run ${id} with a different workflow or input`);
  }
  return { created: result.created, run: result.run, revision: options.batched ? (result.revision ?? 0) : null, sends: result.sends ?? [] };
}

/** The run with its steps, approvals, input and outcome. */
export async function getRun(env: Env, id: string): Promise<RunDetail> {
  const detail = await (await knownRun(env, id)).describe();
  if (detail === null) throw runNotFound(id);
  return JSON.parse(detail) as RunDetail;
}

/** Sends the event `name` to run `id`; with an Idempotency-Key a repeat is answered as the first and delivers nothing. */
export async function sendRunEvent(env: Env, id: string, name: string, payload: unknown, idempotencyKey: string | null = null): Promise<EventSentView> {
  if (!EVENT_NAME.test(name)) throw new ApiError(400, "invalid_request", 'an event name is 1 to 200 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');
  if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) throw new ApiError(400, "invalid_request", "Idempotency-Key must be 1 to 255 visible ASCII characters");
  const checked = checkedJson(payload, "payload", inputLimit(env), liftHint(env));
  const once = idempotencyKey === null ? undefined : { key: idempotencyKey, fingerprint: await fingerprintOf({ name, payload: checked ?? null }) };
  const run = await knownRun(env, id);
  const kept = await keptEvent(env, run, id, checked);
  const result = await run.sendEvent(name, kept.value, once, undefined, kept.ref);
  // Not kept by the run (a repeat, an ended run): the object written for it is nobody's.
  if (kept.ref && (result.status !== "accepted" || result.repeated)) await payloadStoreOf(env)?.discard(kept.ref);
  switch (result.status) {
    case "accepted":
      return { name, deliveredTo: result.deliveredTo, waiting: result.deliveredTo !== null, waitingFor: result.waitingFor };
    case "run_not_found":
      throw runNotFound(id);
    case "run_not_active":
      throw new ApiError(409, "run_not_active", `run ${result.run.id} already ended as ${result.run.status}; it takes no events${result.run.continuedAs ? ` (send it to the run it continued as, ${result.run.continuedAs})` : ""}`);
    case "inbox_full":
      throw new ApiError(429, "inbox_full", `no wait takes event "${name}" now and ${result.message}`);
    case "idempotency_conflict":
      throw new ApiError(409, "idempotency_conflict", `Idempotency-Key "${idempotencyKey ?? ""}" was used for another event to run ${id} (another name or payload)`);
  }
}

/** Decides the approval at `key` of run `id`, once. */
export async function decideRun(env: Env, id: string, key: string, decision: { approved: boolean; comment?: string | undefined; by?: string | undefined }): Promise<DecisionView> {
  const result = await (await knownRun(env, id)).decide(key, decision);
  switch (result.status) {
    case "decided":
      return { key, ...result.result };
    case "run_not_found":
      throw runNotFound(id);
    case "approval_not_found":
      throw new ApiError(404, "approval_not_found", `run ${id} has no approval "${key}"; GET the run to see its approvals`);
    case "run_not_active":
      throw new ApiError(409, "run_not_active", `run ${result.run.id} already ended as ${result.run.status}`);
    case "already_decided":
      throw new ApiError(409, "approval_already_decided", `approval "${key}" was already decided${result.result ? ` (${result.result.decision} at ${result.result.decidedAt})` : ""}`);
  }
}

/** Cancels run `id`: its body hears it and may clean up (`rollback`: the completed steps' rollbacks run first), or a second cancel ends it at once. */
export async function cancelRun(env: Env, id: string, options: CancelOptions = {}): Promise<RunSummary> {
  if (typeof options !== "object" || options === null || (options.rollback !== undefined && typeof options.rollback !== "boolean")) {
    throw new ApiError(400, "invalid_request", "cancel options must be { rollback?: boolean }");
  }
  const result = await (await knownRun(env, id)).cancel(options.rollback === true ? { rollback: true } : {});
  if (result.status === "not_found") throw runNotFound(id);
  if (result.status === "not_active") throw new ApiError(409, "run_not_active", `run ${result.run.id} already ended as ${result.run.status}`);
  if (result.status === "paused") throw new ApiError(409, "run_paused", `run ${result.run.id} is paused: its rollbacks run in its body, so resume it first, or cancel it without rollback`);
  if (result.status === "busy") throw new ApiError(409, "run_busy", `run ${result.run.id} continued as ${result.run.continuedAs ?? "a new run"}, which is still being started; try again in a few seconds`);
  return result.run;
}

/** A page of run `id`'s events after the event id `after`. */
export async function runEventPage(env: Env, id: string, after = 0, limit = EVENTS_PAGE_SIZE): Promise<EventPage> {
  if (!Number.isSafeInteger(after) || after < 0) throw new ApiError(400, "invalid_request", `after must be an event id (a whole number from 0), not ${String(after)}`);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > EVENTS_PAGE_SIZE) throw new ApiError(400, "invalid_request", `limit must be a whole number from 1 to ${EVENTS_PAGE_SIZE}`);
  const page = await (await knownRun(env, id)).events(after, limit);
  if (page === null) throw runNotFound(id);
  return JSON.parse(page) as EventPage;
}

/** Pauses run `id` (`pause`) or resumes it (`resume`); repeating either changes nothing. */
export async function pauseOrResumeRun(env: Env, id: string, action: "pause" | "resume"): Promise<RunSummary> {
  const stub = await knownRun(env, id);
  const result = action === "pause" ? await stub.pause() : await stub.resume();
  if (result.status === "not_found") throw runNotFound(id);
  if (result.status === "not_active") throw new ApiError(409, "run_not_active", `run ${result.run.id} already ended as ${result.run.status}; only an active run can be ${action}d`);
  return result.run;
}

/** The API's answer for a workflow whose file does not build: where and why, at once. */
export function buildFailed(name: string, failure: BuildFailure): ApiError {
  return new ApiError(503, "workflow_build_failed", `${name} does not build: ${failure.file}:${failure.line}:${failure.column}: ${failure.message}; fix the file (the other workflows run meanwhile)`, { build: failure });
}

/** The API's answer to a start whose input does not fit the workflow's input schema: each failing path, and nothing started. */
export function invalidInput(issues: SchemaIssue[], workflow?: string): ApiError {
  return new ApiError(400, "invalid_input", `the input does not fit ${workflow === undefined ? "the workflow" : `workflow "${workflow}"`}'s input schema: ${issuesText(issues)}; nothing was started`, { issues });
}

/** The run object of `id` once the run is known (listed): else 404, and no object is woken (which would create its storage). */
export async function knownRun(env: Env, id: string) {
  const stub = RUN_ID.test(id) ? await listedRun(env, id) : null;
  if (!stub) throw runNotFound(id);
  return stub;
}

/** The API's answer for an id no run has. */
export function runNotFound(id: string | undefined): ApiError {
  return new ApiError(404, "run_not_found", `no run with id "${id ?? ""}"`);
}

/** `value` as JSON a run may keep, or an ApiError saying why not (what the API's body checks say of a body). */
export function checkedJson(value: unknown, what: string, max = MAX_INPUT_BYTES, hint = "pass large data by reference"): Json | undefined {
  if (value === undefined) return undefined;
  // Before JSON.stringify, which would turn Infinity into null and overflow on deep values.
  const deep = receivedJsonProblem(value);
  if (deep) throw new ApiError(400, "invalid_json", `the ${what} ${deep}`);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw new ApiError(400, "invalid_request", `the ${what} is not JSON (a cycle, or a BigInt)`);
  }
  if (text === undefined) return undefined;
  if (new TextEncoder().encode(text).length > max) throw new ApiError(413, "payload_too_large", `the ${what} is over ${max} bytes of JSON; ${hint}`);
  const parsed: unknown = JSON.parse(text);
  // What JSON keeps of it (a Date becomes its string, undefined properties go): the run sees exactly what was stored.
  return parsed as Json;
}
