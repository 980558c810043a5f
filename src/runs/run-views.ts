// A run as the API shows it: its summary (lists) and its detail with steps, built from
// the run object's storage.

import { isTerminal, stepView, type Json, type StepRecord } from "baton-workflows/engine";
import type { RunRow, RunStore } from "./run-store.ts";
import type { StepDetail, StepPage } from "baton-workflows/client";
import { MAX_RUN_STEPS, STEPS_PAGE_SIZE } from "./limits.ts";
import { runKeptViews, stepKeptView } from "../payloads/kept-views.ts";
import { iso, type ConsoleStep, type RunDetail, type RunSummary, type RunWindow, type StepView } from "./run-view.ts";

/** The run as lists show it. */
export function summaryOf(store: RunStore, run: RunRow, waits = waitsOf(store, run)): RunSummary {
  const summary: RunSummary = {
    id: run.id,
    workflow: run.workflow,
    kind: run.kind,
    status: run.status,
    parentId: run.parentId,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
  };
  if (run.status === "queued" && run.startsAt !== null) summary.startsAt = iso(run.startsAt);
  // The earliest of what it waits for that falls due by itself: a sleep's end, a wait's or a child's timeout.
  const wakes = waits.flatMap((wait) => (wait.at === null ? [] : [wait.at]));
  if (wakes.length > 0) summary.wakeAt = iso(Math.min(...wakes));
  if (run.continuedFrom !== null) summary.continuedFrom = run.continuedFrom;
  if (run.continuedAs !== null) summary.continuedAs = run.continuedAs;
  return summary;
}

/** What a waiting or sleeping run waits on, as run detail lists it. */
export type WaitingOn =
  | { kind: "sleep"; key: string; wakeAt: string | null }
  | { kind: "approval"; key: string; expiresAt: string | null }
  | { kind: "event"; key: string; name: string; expiresAt: string | null }
  | { kind: "child"; key: string; runId: string; workflow: string; expiresAt: string | null };

/** A sleeping or waiting run's open sleeps, approvals, event waits and child flows, in the order they began, each with when it falls due by itself (ms, or null); none for a run in another status. */
function waitsOf(store: RunStore, run: RunRow): { wait: WaitingOn; at: number | null }[] {
  if (run.status !== "sleeping" && run.status !== "waiting") return [];
  const open = [...store.steps.withStatus("sleeping"), ...store.steps.withStatus("waiting"), ...store.steps.withStatus("running").filter((step) => step.kind === "flow")];
  return open
    .sort((a, b) => a.startedAt - b.startedAt || a.seq - b.seq || (a.key < b.key ? -1 : 1))
    .flatMap((step): { wait: WaitingOn; at: number | null }[] => {
      const due = step.kind === "flow" ? step.deadline : step.wakeAt;
      const at = due === null ? null : iso(due);
      if (step.kind === "sleep") return [{ wait: { kind: "sleep", key: step.key, wakeAt: at }, at: due }];
      if (step.kind === "approval") return [{ wait: { kind: "approval", key: step.key, expiresAt: at }, at: due }];
      if (step.kind === "event") return [{ wait: { kind: "event", key: step.key, name: step.event?.name ?? step.name, expiresAt: at }, at: due }];
      if (step.kind === "flow" && step.flow) return [{ wait: { kind: "child", key: step.key, runId: step.flow.childId, workflow: step.flow.workflow, expiresAt: at }, at: due }];
      return [];
    });
}

/** The run with the first page of its steps, for `GET /api/runs/:id` (approval links are added by the run object). */
export function detailOf(store: RunStore, run: RunRow, withSteps = true, queueOf: (key: string) => string | null = () => null): RunDetail {
  const page = withSteps ? stepPageOf(store, 0, STEPS_PAGE_SIZE) : { steps: [], stepCount: store.steps.count(), nextCursor: null };
  const waiting = store.steps.withStatus("waiting");
  const approvals = waiting.filter((step) => step.kind === "approval").map((step) => ({
    key: step.key,
    to: step.approval?.to ?? [],
    message: step.approval?.message ?? "",
    expiresAt: iso(step.wakeAt ?? step.startedAt),
    approveUrl: null,
    rejectUrl: null,
    emails: store.emails.of(step.key),
  }));
  const events = waiting.flatMap((step) =>
    step.kind === "event" ? [{ key: step.key, name: step.event?.name ?? step.name, expiresAt: iso(step.wakeAt ?? step.startedAt) }] : [],
  );
  const waits = waitsOf(store, run);
  return {
    ...summaryOf(store, run, waits),
    version: run.version,
    workerVersion: run.workerVersion,
    restartOf: run.restartOf,
    language: run.language ?? "typescript",
    bodyQueue: run.bodyQueue,
    waitingForWorker: waitingForWorker(store, run, queueOf),
    waitingOn: waits.map(({ wait }) => wait),
    approvals,
    events,
    inbox: store.inbox.list(Date.now()).map((event) => ({ name: event.name, size: event.size, sentAt: iso(event.sentAt), expiresAt: iso(event.expiresAt) })),
    input: run.inputRef ? null : (run.input ?? null),
    output: run.output ?? null,
    ...runKeptViews(run),
    error: run.error,
    state: run.state === null ? null : (JSON.parse(run.state) as Json),
    steps: page.steps,
    stepCount: page.stepCount,
    nextStepsCursor: page.nextCursor,
  };
}

/** `limit` steps from place `offset`, without results, and the cursor of the next page. */
export function stepPageOf(store: RunStore, offset: number, limit: number): StepPage {
  const stepCount = store.steps.count();
  const steps = store.steps.heads(offset, limit).map((record) => stepViewOf(store, record));
  const next = offset + steps.length;
  return { steps, stepCount, nextCursor: next < stepCount ? encodeStepsCursor(next) : null };
}

/** A steps cursor: the place of the next step, opaque to clients. */
export function encodeStepsCursor(offset: number): string {
  return btoa(JSON.stringify({ o: offset }));
}

/** The place a steps cursor names, or null for one this API did not make. */
export function decodeStepsCursor(cursor: string): number | null {
  try {
    const value = JSON.parse(atob(cursor)) as { o?: unknown };
    return typeof value.o === "number" && Number.isSafeInteger(value.o) && value.o >= 0 && value.o <= MAX_RUN_STEPS ? value.o : null;
  } catch {
    return null;
  }
}

function stepViewOf(store: RunStore, step: StepRecord): StepView {
  const view = stepView(step, () => store.steps.history(step.key));
  if (step.kind === "approval") view.emails = store.emails.of(step.key);
  return view;
}

/** One step with its output, every attempt and what it printed, for `GET /api/runs/:id/steps/:key`; undefined when the run has no such step. */
export function stepDetailOf(store: RunStore, key: string): StepDetail | undefined {
  const step = store.steps.step(key);
  // The run's cancel is a log entry, not a call: no view lists it.
  if (!step || step.kind === "cancel") return undefined;
  const history = step.kind === "task" || step.kind === "step" ? store.steps.history(key) : [];
  return { ...stepViewOf(store, step), output: step.result ?? null, ...stepKeptView(store.run()?.id ?? "", step), history, logs: store.steps.logs(key) };
}

/** The run without its steps, and `limit` of them from place `offset` with what each produced: a big run's page. */
export function windowOf(store: RunStore, run: RunRow, offset: number, limit: number, queueOf: (key: string) => string | null = () => null): RunWindow {
  const counts = store.steps.countByStatus();
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const steps = store.steps.slice(offset, limit).map((record): ConsoleStep => {
    const history = record.kind === "task" || record.kind === "step" ? store.steps.history(record.key) : [];
    return { ...stepViewOf(store, record), output: record.result ?? null, ...stepKeptView(run.id, record), history, logs: store.steps.logs(record.key), attemptStartedAt: iso(record.attemptStartedAt) };
  });
  return { run: detailOf(store, run, false, queueOf), steps, offset, total, counts, lastEvent: store.events.last() };
}

/** The worker queue the run waits on for someone to take its body or a task, as run detail says it; null when it waits for none. */
function waitingForWorker(store: RunStore, run: RunRow, queueOf: (key: string) => string | null): string | null {
  if (isTerminal(run.status)) return null;
  if (run.bodyQueue && run.status === "queued") return `a worker on queue ${run.bodyQueue}`;
  for (const step of store.steps.withStatus("running")) {
    const queue = step.kind === "task" && step.claim === null ? queueOf(step.key) : null;
    if (queue) return `a worker on queue ${queue}`;
  }
  return null;
}
