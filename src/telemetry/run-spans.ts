// A run's spans, built from its numbered events (run-events.ts): an attempt's span
// when its `step.attempt.ended` event is read, the run's root span when `run.ended`
// is, with a zero-length span event for each sleep, wait, approval decision and child
// run (and a link to each child's root span). Reading events in order, each span is
// built once, however often the object was evicted in between.

import type { Json } from "baton-workflows/engine";
import type { RunEvent } from "../runs/run-events.ts";
import type { RunRow } from "../runs/run-store.ts";
import { SPAN_KIND, type Attributes, type Span, type SpanEvent, type SpanLink } from "./otlp.ts";
import { rootSpanIdOf, runTraceOf, spanIdOf, type RunTrace } from "./trace-ids.ts";

/** The most span events and links the root span carries (OpenTelemetry's default limit). */
export const MAX_ROOT_EVENTS = 128;

/** What building spans reads beside the events: the run's steps and attempts as stored now. */
export interface SpanSource {
  step(key: string): { name: string; kind: string; attempts: number; status: string } | undefined;
  /** When attempt `attempt` of `key` began running (its closure), or was sent; null if unknown. */
  attemptStart(key: string, attempt: number): number | null;
  /** The run's sleeps, waits and decisions, oldest first, at most `limit`. */
  rootEvents(limit: number): RunEvent[];
}

/** The spans `events` complete, in their order. */
export function spansOf(run: RunRow, events: readonly RunEvent[], source: SpanSource): Span[] {
  const trace = runTraceOf(run.id, run.traceparent);
  const spans: Span[] = [];
  for (const event of events) {
    if (event.type === "step.attempt.ended" && event.key !== undefined && event.attempt !== undefined) spans.push(attemptSpan(run, trace, event, event.key, event.attempt, source));
    else if (event.type === "run.ended") spans.push(rootSpan(run, trace, event, source));
  }
  return spans;
}

function attemptSpan(run: RunRow, trace: RunTrace, event: RunEvent, key: string, attempt: number, source: SpanSource): Span {
  const end = Date.parse(event.at);
  const step = source.step(key);
  const ok = event.data.ok === true;
  const error = errorOf(event.data.error);
  // A failed attempt that was followed by another (or is parked for one) was retried.
  const retried = !ok && step !== undefined && (step.attempts > attempt || step.status === "retrying");
  return {
    traceId: trace.traceId,
    spanId: spanIdOf(run.id, key, attempt),
    parentSpanId: trace.rootSpanId,
    name: step?.name ?? key,
    kind: SPAN_KIND.internal,
    start: source.attemptStart(key, attempt) ?? end,
    end,
    attributes: {
      ...runAttributes(run),
      "baton.step.key": key,
      "baton.step.name": step?.name,
      "baton.step.kind": step?.kind,
      "baton.attempt": attempt,
      "baton.outcome": ok ? "ok" : retried ? "retrying" : "error",
      "baton.error.name": error?.name,
      "baton.error.message": error?.message,
    },
    events: error ? [{ name: "exception", at: end, attributes: { "exception.type": error.name, "exception.message": error.message } }] : [],
    links: [],
    error: error ? `${error.name}: ${error.message}` : ok ? null : "failed",
  };
}

function rootSpan(run: RunRow, trace: RunTrace, ended: RunEvent, source: SpanSource): Span {
  const status = typeof ended.data.status === "string" ? ended.data.status : run.status;
  const error = errorOf(ended.data.error);
  const events: SpanEvent[] = [];
  const links: SpanLink[] = [];
  for (const event of source.rootEvents(MAX_ROOT_EVENTS)) {
    const marked = rootEventOf(event, trace);
    if (marked) events.push(marked.event);
    if (marked?.link && links.length < MAX_ROOT_EVENTS) links.push(marked.link);
  }
  return {
    traceId: trace.traceId,
    spanId: trace.rootSpanId,
    parentSpanId: trace.parentSpanId,
    name: run.workflow,
    kind: SPAN_KIND.server,
    start: run.createdAt,
    end: Date.parse(ended.at),
    attributes: {
      ...runAttributes(run),
      "baton.run.kind": run.kind,
      "baton.run.status": status,
      "baton.outcome": status === "completed" ? "ok" : status === "failed" ? "error" : status,
      "baton.parent.run.id": run.parentId,
      "baton.restart_of": run.restartOf,
      "baton.version": run.version,
      "baton.error.name": error?.name,
      "baton.error.message": error?.message,
    },
    events,
    links,
    error: status === "failed" ? (error ? `${error.name}: ${error.message}` : "failed") : null,
  };
}

/** A sleep, wait, decision or child run as a span event of the root (a child also as a link to its root span). */
function rootEventOf(event: RunEvent, trace: RunTrace): { event: SpanEvent; link?: SpanLink } | null {
  const at = Date.parse(event.at);
  const step = { "baton.step.key": event.key, "baton.step.name": str(event.data.name) };
  switch (event.type) {
    case "step.sleeping":
      return { event: { name: "baton.sleep", at, attributes: { ...step, "baton.wake_at": str(event.data.wakeAt) } } };
    case "step.decided":
      return { event: { name: "baton.approval.decided", at, attributes: { ...step, "baton.decision": str(event.data.decision) } } };
    case "step.waiting": {
      const kind = str(event.data.for);
      if (kind === "child") {
        const child = str(event.data.runId);
        const attributes = { ...step, "baton.child.run.id": child, "baton.child.workflow": str(event.data.workflow) };
        // A child started by a traced parent runs in the parent's trace.
        return { event: { name: "baton.child_run", at, attributes }, ...(child ? { link: { traceId: trace.traceId, spanId: rootSpanIdOf(child), attributes: { "baton.child.run.id": child } } } : {}) };
      }
      if (kind === "approval") return { event: { name: "baton.approval", at, attributes: { ...step, "baton.expires_at": str(event.data.expiresAt) } } };
      return { event: { name: "baton.wait", at, attributes: { ...step, "baton.wait.for": kind ?? "event", "baton.event.name": str(event.data.event), "baton.expires_at": str(event.data.expiresAt) } } };
    }
    default:
      return null;
  }
}

function runAttributes(run: RunRow): Attributes {
  return { "baton.run.id": run.id, "baton.workflow": run.workflow };
}

function errorOf(value: Json | undefined): { name: string; message: string } | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  return { name: str(value.name) ?? "Error", message: str(value.message) ?? "" };
}

function str(value: Json | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
