// The console's routes: sign-in and out, the run list, a run's page (and its live
// body), a step's page, cancel and approval decisions, and the workflows with their
// start forms. Every page but sign-in needs the session; every form post must come
// from this origin.

import { href } from "../host.ts";
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { EVENT_NAME, issuesText } from "baton-workflows";
import type { RunStatus, StepDetail } from "baton-workflows/client";
import { isTerminal, receivedJsonProblem, RUN_STATUSES, type Json } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import { workflowEntries } from "../schedules/schedule-view.ts";
import { listedRun, listRuns } from "../run-list/run-list.ts";
import { registry } from "../registry.ts";
import { decodeCursor } from "../run-list/run-index.ts";
import type { RunWindow } from "../runs/run-view.ts";
import { MAX_RUN_STEPS } from "../runs/limits.ts";
import { MAX_INPUT_BYTES, RUN_ID } from "../api/schemas.ts";
import { DeleteConfirmPage, listQuery, MessagePage, RunList, RunListPage, SignInPage, WorkflowsPage, type StartProblem } from "./pages.tsx";
import { RunBody, RunPage, STEPS_PER_PAGE, type EventProblem } from "./run-page.tsx";
import { StepPage } from "./step-page.tsx";
import { WorkersPage } from "./workers-page.tsx";
import { workersSeen } from "../remote/workers-view.ts";
import { limitBody, nonceOf, pageHeaders, readForm, sameOriginPosts } from "./security.ts";
import { keptValueRoute } from "../api/kept-value-routes.ts";
import { closeSession, hasSession, isApiToken, openSession, sessionsUnavailable } from "./session.ts";
import { clientAddress, failedAttempt, waitFor } from "../api/attempts.ts";
import { devStacksOf } from "../api/dev-stacks.ts";
import { allRunsStream, decodeStreamCursor, runEventStream } from "../api/event-stream.ts";

type AppEnv = { Bindings: Env };
type Ctx = Context<AppEnv>;

/** Runs per page of the list. */
const RUNS_PER_PAGE = 50;
/** The largest input or payload a form takes: the API's limit. */
const MAX_FORM_INPUT = MAX_INPUT_BYTES;
/** The largest form body: the start form's input, URL-encoded, and room for the rest. */
const MAX_FORM_BODY = 3 * MAX_FORM_INPUT + 64 * 1024;

/** The paths the console serves; its middleware stays off every other (the API's above all). */
const PAGES = ["/", "/sign-in", "/sign-out", "/runs/*", "/workflows", "/workflows/*", "/workers", "/stream"];
const SIGNED_IN_PAGES = ["/runs/*", "/workflows", "/workflows/*", "/workers", "/stream"];

/** The console's routes, mounted at the Worker's root. */
export function consoleRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const path of PAGES) app.use(path, pageHeaders(), sameOriginPosts(refusedCrossSite), limitBody(MAX_FORM_BODY, tooLarge));
  for (const path of SIGNED_IN_PAGES) {
    app.use(path, async (c, next) => {
      if (await hasSession(c, Date.now())) return next();
      return signIn(c, c.req.method === "GET" ? c.req.path : href("/"), 401);
    });
  }

  app.get("/", async (c) => {
    if (!(await hasSession(c, Date.now()))) return signIn(c, href("/"), 200);
    const query = c.req.query();
    const workflow = query.workflow || undefined;
    const status = RUN_STATUSES.includes(query.status as RunStatus) ? (query.status as RunStatus) : undefined;
    const cursor = query.cursor || undefined;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await listRuns(c.env, { workflow, status, limit: RUNS_PER_PAGE, after });
    const workflows = registry.list().map((entry) => entry.name);
    // Only an id is ever said deleted: a crafted link cannot put other words on the page.
    const deleted = query.deleted && RUN_ID.test(query.deleted) ? query.deleted : undefined;
    const view = { workflow, status, cursor: after ? cursor : undefined, workflows, now: Date.now(), deleted };
    // The first page's live update asks for the list alone.
    if (c.req.header("X-Baton-Fragment") === "runs") return c.html(<RunList page={page} view={view} query={listQuery(view)} />);
    return c.html(<RunListPage nonce={nonceOf(c)} page={page} view={view} />);
  });

  app.post("/sign-in", async (c) => {
    const form = await readForm(c);
    if (!form) return unreadableForm(c);
    const next = localPath(form.next);
    const unavailable = sessionsUnavailable(c.env);
    if (unavailable) return signIn(c, next, 503);
    const address = clientAddress(c);
    // Locked out after too many wrong tokens: refused before the token is even compared.
    const wait = waitFor(address, Date.now());
    if (wait > 0) return tooManySignIns(c, next, wait);
    if (typeof form.token !== "string" || !(await isApiToken(c.env, form.token.trim()))) {
      const refused = await failedAttempt(c.env, address, Date.now());
      return refused > 0 ? tooManySignIns(c, next, refused) : signIn(c, next, 401, "That is not this deployment's API token.");
    }
    await openSession(c, Date.now());
    return c.redirect(next, 303);
  });

  // Reloading the page a refused sign-in answered lands here: show the form again.
  app.get("/sign-in", (c) => c.redirect(href("/"), 303));

  app.post("/sign-out", async (c) => {
    await closeSession(c, Date.now());
    return c.redirect(href("/"), 303);
  });

  app.get("/runs/:id", async (c) => {
    const window = await windowOf(c);
    if (!window) return noRun(c);
    return c.html(<RunPage nonce={nonceOf(c)} window={window} now={Date.now()} />);
  });

  app.get("/runs/:id/live", async (c) => {
    const window = await windowOf(c);
    if (!window) return c.text("no such run", 404);
    return c.html(<RunBody window={window} now={Date.now()} />);
  });

  // The pages' live updates: the run's events after the page's, and the list's run events (the browser resumes with Last-Event-ID).
  app.get("/runs/:id/stream", async (c) => {
    const id = c.req.param("id");
    const run = await knownRun(c, id);
    if (!run) return c.text("no such run", 404);
    const after = Number(c.req.header("Last-Event-ID") || c.req.query("after") || "0");
    return runEventStream(run, id, Number.isSafeInteger(after) && after >= 0 ? after : 0);
  });

  app.get("/stream", async (c) => {
    const query = c.req.query();
    const status = RUN_STATUSES.includes(query.status as RunStatus) ? [query.status as RunStatus] : undefined;
    const last = c.req.header("Last-Event-ID");
    return allRunsStream(c.env, { workflow: query.workflow || undefined, statuses: status }, last ? decodeStreamCursor(last) : null);
  });

  // Values kept in BATON_PAYLOADS, downloaded with the session (the API's own routes take the token).
  app.get("/runs/:id/download/input", keptValueRoute(() => ({ of: "input" })));
  app.get("/runs/:id/download/output", keptValueRoute(() => ({ of: "output" })));
  app.get("/runs/:id/download/steps/:key{.+}", keptValueRoute((c) => ({ of: "step", key: c.req.param("key") ?? "" })));

  app.get("/runs/:id/steps/:key{.+}", async (c) => {
    const id = c.req.param("id");
    const run = await knownRun(c, id);
    if (!run) return noRun(c);
    const found = await run.stepDetail(c.req.param("key"));
    if (found === "no_run") return noRun(c);
    if (found === "no_step") return c.html(<MessagePage nonce={nonceOf(c)} title="No such step" text={`Run ${id} has no step "${c.req.param("key")}".`} />, 404);
    return c.html(<StepPage nonce={nonceOf(c)} runId={id} step={JSON.parse(await devStacksOf(c, found)) as StepDetail} now={Date.now()} />);
  });

  app.post("/runs/:id/cancel", async (c) => {
    const id = c.req.param("id");
    const run = await knownRun(c, id);
    if (!run) return noRun(c);
    const form = await readForm(c);
    if (!form) return unreadableForm(c);
    const result = await run.cancel({ rollback: form.rollback === "true" });
    if (result.status === "not_found") return noRun(c);
    if (result.status === "not_active") return runWithNotice(c, `The run had already ended as ${result.run.status}. Nothing was changed.`);
    if (result.status === "paused") return runWithNotice(c, "The run is paused: resume it first to cancel it with rollback (its rollbacks run in its body), or cancel it without. Nothing was changed.");
    if (result.status === "busy") return runWithNotice(c, "The run continued as a new run that is still being started. Try again in a few seconds.");
    return c.redirect(href(`/runs/${id}`), 303);
  });

  for (const action of ["pause", "resume"] as const) {
    app.post(`/runs/:id/${action}`, async (c) => {
      const id = c.req.param("id");
      const run = await knownRun(c, id);
      if (!run) return noRun(c);
      const result = action === "pause" ? await run.pause() : await run.resume();
      if (result.status === "not_found") return noRun(c);
      if (result.status === "not_active") return runWithNotice(c, `The run had already ended as ${result.run.status}. Nothing was changed.`);
      return c.redirect(href(`/runs/${id}`), 303);
    });
  }

  app.post("/runs/:id/restart", async (c) => {
    const id = c.req.param("id");
    const run = await knownRun(c, id);
    if (!run) return noRun(c);
    const form = await readForm(c);
    if (!form) return unreadableForm(c);
    const fromStep = typeof form.fromStep === "string" && form.fromStep !== "" ? form.fromStep : undefined;
    const newId = crypto.randomUUID();
    const result = await run.restart({ id: newId, fromStep, idempotencyKey: null, origin: new URL(c.req.url).origin });
    if (result.status === "run_not_found") return noRun(c);
    if (result.status === "step_not_found") return runWithNotice(c, `This run has no step "${fromStep ?? ""}". Nothing was started.`);
    if (result.status === "run_not_active") return runWithNotice(c, "The run is still active; only an ended run can be restarted. Nothing was started.");
    if (result.status === "invalid_input") return runWithNotice(c, `The run's input no longer fits the workflow's input schema: ${issuesText(result.issues)}. Nothing was started.`);
    return c.redirect(href(`/runs/${result.run.id}`), 303);
  });

  app.post("/runs/:id/delete", async (c) => {
    const id = c.req.param("id");
    const run = await knownRun(c, id);
    if (!run) return noRun(c);
    const form = await readForm(c);
    if (!form) return unreadableForm(c);
    // Asked first: the run page's Delete leads here, and only the confirmation deletes.
    if (form.confirm !== "yes") {
      const window = await windowOf(c);
      if (!window) return noRun(c);
      if (!isTerminal(window.run.status)) return runWithNotice(c, "The run is still active: cancel it first. Nothing was deleted.");
      return c.html(<DeleteConfirmPage nonce={nonceOf(c)} run={window.run} steps={window.total} />);
    }
    const result = await run.remove();
    if (result.status === "run_not_found") return noRun(c);
    if (result.status === "run_not_active") return runWithNotice(c, "The run is still active: cancel it first. Nothing was deleted.");
    if (result.status === "busy") return runWithNotice(c, "The run is still telling its parent or the run list how it ended; try again in a few seconds. Nothing was deleted.");
    return c.redirect(href(`/?deleted=${encodeURIComponent(id)}`), 303);
  });

  app.post("/runs/:id/approvals/:key{.+}", async (c) => {
    const id = c.req.param("id");
    const run = await knownRun(c, id);
    if (!run) return noRun(c);
    const form = await readForm(c);
    if (!form) return unreadableForm(c);
    if (form.decision !== "approve" && form.decision !== "reject") return runWithNotice(c, "Choose Approve or Reject. Nothing was changed.");
    const comment = typeof form.comment === "string" && form.comment.trim() ? form.comment.trim().slice(0, 2000) : undefined;
    const key = c.req.param("key");
    const result = await run.decide(key, { approved: form.decision === "approve", comment, by: "console" });
    switch (result.status) {
      case "decided":
        return c.redirect(href(`/runs/${id}`), 303);
      case "run_not_found":
        return noRun(c);
      case "approval_not_found":
        return runWithNotice(c, `This run has no approval "${key}". Nothing was changed.`);
      case "run_not_active":
        return runWithNotice(c, `The run already ended as ${result.run.status}. Nothing was changed.`);
      case "already_decided":
        return runWithNotice(c, `"${key}" was already decided${result.result ? ` (${result.result.decision} at ${result.result.decidedAt})` : ""}. Nothing was changed.`);
    }
  });

  app.post("/runs/:id/events", async (c) => {
    const id = c.req.param("id");
    const run = await knownRun(c, id);
    if (!run) return noRun(c);
    const form = await readForm(c);
    if (!form) return unreadableForm(c);
    const name = typeof form.name === "string" ? form.name : "";
    const text = typeof form.payload === "string" ? form.payload : "";
    if (!EVENT_NAME.test(name)) return runWithNotice(c, `"${name}" is not an event name. Nothing was sent.`);
    // Refused with the typed payload kept in its field and the reason beside it.
    const refuse = (message: string) => runWithNotice(c, message, { name, payload: byteLength(text) > MAX_FORM_INPUT ? "" : text, message });
    if (byteLength(text) > MAX_FORM_INPUT) return refuse(`The payload is over ${MAX_FORM_INPUT} bytes, the most an event carries. Nothing was sent.`);
    let payload: Json | undefined;
    if (text.trim() !== "") {
      try {
        payload = JSON.parse(text) as Json;
      } catch (error) {
        return refuse(`The payload is not JSON: ${(error as Error).message}. Nothing was sent.`);
      }
      const problem = receivedJsonProblem(payload);
      if (problem) return refuse(`The payload ${problem}. Nothing was sent.`);
    }
    const result = await run.sendEvent(name, payload);
    switch (result.status) {
      case "run_not_found":
        return noRun(c);
      case "run_not_active":
        return runWithNotice(c, `The run already ended as ${result.run.status}. Nothing was sent.`);
      case "inbox_full":
        return runWithNotice(c, `No wait takes "${name}" now and ${result.message}. Nothing was sent.`);
      case "accepted":
      case "idempotency_conflict":
        return c.redirect(href(`/runs/${id}`), 303);
    }
  });

  app.get("/workflows", async (c) => c.html(<WorkflowsPage nonce={nonceOf(c)} entries={await workflowEntries(c.env)} />));

  app.get("/workers", async (c) => c.html(<WorkersPage nonce={nonceOf(c)} seen={await workersSeen(c.env)} />));

  app.post("/workflows/start", async (c) => {
    const form = await readForm(c);
    if (!form) return unreadableForm(c);
    const workflow = typeof form.workflow === "string" ? form.workflow : "";
    const text = typeof form.input === "string" ? form.input : "";
    const refuse = async (message: string, status: 400 | 503 = 400) =>
      c.html(<WorkflowsPage nonce={nonceOf(c)} entries={await workflowEntries(c.env)} problem={{ workflow, input: text, message } satisfies StartProblem} />, status);
    const failure = registry.buildFailure(workflow);
    if (failure) return refuse(`${workflow} does not build: ${failure.file}:${failure.line}:${failure.column}: ${failure.message}. Nothing was started.`, 503);
    if (!registry.entry(workflow)) return refuse(`No workflow or script "${workflow}" is deployed.`);
    if (byteLength(text) > MAX_FORM_INPUT) return refuse(`The input is over ${MAX_FORM_INPUT} bytes; pass large data by reference.`);
    let input: Json | undefined;
    if (text.trim() !== "") {
      try {
        input = JSON.parse(text) as Json;
      } catch (error) {
        return refuse(`The input is not JSON: ${(error as Error).message}`);
      }
      const problem = receivedJsonProblem(input);
      if (problem) return refuse(`The input ${problem}.`);
    }
    const id = crypto.randomUUID();
    const started = await c.env.RUNS.get(c.env.RUNS.idFromName(id)).start({ id, workflow, input, idempotencyKey: null, origin: new URL(c.req.url).origin });
    if (started.invalid) return refuse(`The input does not fit the workflow's input schema: ${issuesText(started.invalid)}. Nothing was started.`);
    return c.redirect(href(`/runs/${id}`), 303);
  });

  return app;
}

/** Bytes of `text` in UTF-8, as the API counts a body. */
function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** What a form whose body cannot be read as one gets. */
export function unreadableForm(c: Ctx): Response | Promise<Response> {
  return c.html(<MessagePage nonce={nonceOf(c)} title="Bad form" text="The form could not be read (its body is cut off or malformed). Nothing was changed." nav={false} />, 400);
}

/** What a form too large to read gets. */
export function tooLarge(c: Ctx): Response | Promise<Response> {
  return c.html(<MessagePage nonce={nonceOf(c)} title="Too large" text="The form sent more than this page takes. Nothing was changed." nav={false} />, 413);
}

/** What a form post from another site gets (the approval pages use it too). */
export function refusedCrossSite(c: Ctx): Response | Promise<Response> {
  return c.html(<MessagePage nonce={nonceOf(c)} title="Refused" text="This form was sent from another site. Nothing was changed." nav={false} />, 403);
}

function signIn(c: Ctx, next: string, status: 200 | 401 | 429 | 503, problem?: string): Response | Promise<Response> {
  return c.html(<SignInPage nonce={nonceOf(c)} next={next} problem={problem} unavailable={sessionsUnavailable(c.env)} />, status);
}

/** The sign-in form again for an address that must wait `seconds`, with Retry-After. */
function tooManySignIns(c: Ctx, next: string, seconds: number): Response | Promise<Response> {
  c.header("Retry-After", String(seconds));
  return signIn(c, next, 429, `Too many wrong tokens from this address. Try again in ${seconds} seconds.`);
}

/**
 * A run and the page of its steps the request asks for (`?from=`, a step's place, at
 * most MAX_RUN_STEPS), or null when there is no such run; another `from` is refused
 * with a 400 page.
 */
async function windowOf(c: Ctx): Promise<RunWindow | null> {
  const id = c.req.param("id") ?? "";
  const raw = c.req.query("from");
  const offset = raw === undefined || raw === "" ? 0 : /^\d{1,6}$/.test(raw) && Number(raw) <= MAX_RUN_STEPS ? Number(raw) : null;
  if (offset === null) {
    throw new HTTPException(400, { res: await c.html(<MessagePage nonce={nonceOf(c)} title="Bad page" text={`"from" must be a step number from 0 to ${MAX_RUN_STEPS}.`} />, 400) });
  }
  const run = await knownRun(c, id);
  if (!run) return null;
  const found = await run.window(offset, STEPS_PER_PAGE);
  return found === null ? null : (JSON.parse(await devStacksOf(c, found)) as RunWindow);
}

async function runWithNotice(c: Ctx, notice: string, eventProblem?: EventProblem): Promise<Response> {
  const window = await windowOf(c);
  if (!window) return noRun(c);
  return c.html(<RunPage nonce={nonceOf(c)} window={window} now={Date.now()} notice={notice} eventProblem={eventProblem} />, 409);
}

/** The run object of `id` once the run is known (listed), else null; an unknown id wakes no object. */
async function knownRun(c: Ctx, id: string) {
  return RUN_ID.test(id) ? listedRun(c.env, id) : null;
}

function noRun(c: Ctx): Response | Promise<Response> {
  return c.html(<MessagePage nonce={nonceOf(c)} title="No such run" text={`There is no run with id "${c.req.param("id") ?? ""}".`} />, 404);
}

/**
 * A path on this site to go to after signing in; anything else becomes `/`: another
 * site, `//host`, a backslash (`/\\host`) or a control character anywhere (a browser
 * drops tabs and newlines, so `/\t/host` would be `//host`, and CR/LF cannot go in a header).
 */
function localPath(value: unknown): string {
  if (typeof value !== "string" || !/^\/(?![/\\])[^\\\x00-\x1f\x7f]*$/.test(value)) return href("/");
  return new URL(value, "https://baton.invalid").origin === "https://baton.invalid" ? value : href("/");
}
