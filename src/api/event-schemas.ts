// The schemas of a run's event stream: one event, a page of them, and the queries of
// `GET /api/runs/{id}/events` and `GET /api/runs/stream`.

import * as z from "zod/mini";
import { RUN_EVENT_TYPES } from "../runs/run-events.ts";
import { EVENTS_PAGE_SIZE } from "../runs/run-streams.ts";
import { doc, int, named, orNull, text } from "./schema-kit.ts";
import { RunSummary, statusList } from "./schemas.ts";

export const RunEventView = named(
  "RunEvent",
  "One transition of a run, numbered in the order it happened (see the README's \"Run events\" for each type's `data`).",
  z.object({
    id: doc("Increasing within the run: pass as `after` (or Last-Event-ID) to go on after it.", int()),
    type: z.enum(RUN_EVENT_TYPES),
    at: doc("When it happened (ISO 8601).", text()),
    key: z.optional(doc("The step it is about.", text())),
    attempt: z.optional(doc("The attempt it is about.", int())),
    data: doc("What the type tells: kind and name of the step, error, wake time, decision, status….", z.record(z.string(), z.unknown())),
  }),
);

export const RunEventPage = named(
  "RunEventPage",
  "A page of a run's events after a cursor.",
  z.object({
    events: z.array(RunEventView),
    cursor: doc("The id of the last event here (the `after` given when there is none): pass it as `after` for the next page.", int()),
    ended: doc("The run ended and no event follows: there is nothing more to wait for.", z.boolean()),
  }),
);

const cursorParam = () => z.coerce.number().check(z.int(), z.minimum(0));

export const EventsQuery = z.strictObject({
  after: z.optional(doc("Only events after this id (0: from the first). With Server-Sent Events, a Last-Event-ID header takes precedence.", cursorParam())),
  limit: z._default(doc(`Events per page, 1 to ${EVENTS_PAGE_SIZE} (JSON pages only).`, z.coerce.number().check(z.int(), z.minimum(1), z.maximum(EVENTS_PAGE_SIZE))), EVENTS_PAGE_SIZE),
});

export const RunStreamEvent = named(
  "RunStreamEvent",
  "A run-level event of the all-runs stream: a run was created, changed status or ended; `run` is its summary after the change.",
  z.object({
    id: doc("The stream's cursor after this event: send it back as Last-Event-ID.", text()),
    type: z.enum(["run.created", "run.status", "run.ended"]),
    at: text(),
    run: RunSummary,
  }),
);

export const StreamQuery = z.strictObject({
  workflow: z.optional(doc("Only runs of this workflow (or script) path.", z.string().check(z.minLength(1)))),
  status: z.optional(statusList("Only events whose run is now in one of these statuses, comma-separated.", "running,waiting")),
  after: z.optional(doc("A cursor (an event's id) to resume after; a Last-Event-ID header takes precedence.", orNull(text()))),
});
