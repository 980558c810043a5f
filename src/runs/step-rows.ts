// How a step is stored as a row of the run's `steps` table: the columns each field a
// transition changes is written to, the columns a view reads, and a row decoded back
// into the machine's record or a log entry, every column checked.

import type { LogEntry, ResolvedTaskOptions, StepChange, StepKind, StepRecord, StepStatus, TaskClaim } from "baton-workflows/engine";
import { encodeJson, OPEN_STEP_STATUSES } from "baton-workflows/engine";
import { approval, errorData, json, num, numOrNull, oneOf, text, textOrNull, type Row } from "./rows.ts";
import { payloadRefOf } from "../payloads/payload-rows.ts";

export const KINDS: readonly StepKind[] = ["task", "step", "sleep", "approval", "event", "flow", "send", "patch", "continue", "cancel", "update"];
export const STATUSES: readonly StepStatus[] = ["queued", "running", "retrying", "sleeping", "waiting", "completed", "failed", "cancelled"];

/** How each field a transition changes is stored. */
const COLUMNS: { [K in keyof Required<StepChange>]: [column: string, encode: (value: Required<StepChange>[K]) => SqlStorageValue] } = {
  status: ["status", (value) => value],
  attempts: ["attempts", (value) => value],
  result: ["result", (value) => encodeJson(value)],
  resultRef: ["result_ref", (value) => (value === undefined ? null : JSON.stringify(value))],
  error: ["error", (value) => (value === undefined ? null : JSON.stringify(value))],
  endedAt: ["ended_at", (value) => value],
  attemptStartedAt: ["attempt_started_at", (value) => value],
  wakeAt: ["wake_at", (value) => value],
  deadline: ["deadline", (value) => value],
  delivery: ["delivery", (value) => value],
  fromCache: ["from_cache", (value) => (value ? 1 : 0)],
  claim: ["claim", (value) => (value === null ? null : JSON.stringify(value))],
  resends: ["resends", (value) => value],
};

/** Every column but a step's result and args (each up to 1 MiB): enough for its view. */
export const HEAD_COLUMNS = [
  "key", "branch", "seq", "kind", "name", "status", "attempts", "NULL AS result", "result_ref", "error", "started_at", "ended_at", "wake_at", "deadline", "change_seq",
  "from_cache", "attempt_started_at", "target", "NULL AS args", "delivery", "options", "approval", "flow_workflow", "flow_timeout", "event_name", "claim", "resends",
].join(", ");

/** The open step statuses as an SQL list, for `status IN ...`. */
export const OPEN = `(${OPEN_STEP_STATUSES.map((status) => `'${status}'`).join(", ")})`;

/** The `column = ?` assignments of a change with their encoded values, and the bytes of result and error they write. */
export function assignments(change: StepChange): { sets: string[]; values: SqlStorageValue[]; size: number } {
  const sets: string[] = [];
  const values: SqlStorageValue[] = [];
  let size = 0;
  for (const [field, value] of Object.entries(change) as [keyof StepChange, never][]) {
    const [column, encode] = COLUMNS[field];
    const encoded = (encode as (value: unknown) => SqlStorageValue)(value);
    if ((field === "result" || field === "error") && typeof encoded === "string") size += encoded.length;
    sets.push(`${column} = ?`);
    values.push(encoded);
  }
  return { sets, values, size };
}

/** A task attempt's claim, as stored in the `claim` column (JSON), checked. */
function claimOf(row: Row): TaskClaim | null {
  const stored = textOrNull(row, "claim");
  if (stored === null) return null;
  const value = JSON.parse(stored) as { by?: unknown; at?: unknown };
  return typeof value.by === "string" && typeof value.at === "number" ? { by: value.by, at: value.at } : null;
}

/** A steps row as the machine's record, every column checked. */
export function recordOf(row: Row, options: ResolvedTaskOptions | undefined): StepRecord {
  const kind = oneOf(row, "kind", KINDS);
  const record: StepRecord = {
    key: text(row, "key"),
    branch: text(row, "branch"),
    seq: num(row, "seq"),
    kind,
    name: text(row, "name"),
    status: oneOf(row, "status", STATUSES),
    attempts: num(row, "attempts"),
    result: json(row, "result"),
    ...payloadRefOf(row, "result_ref"),
    error: errorData(row, "error"),
    startedAt: num(row, "started_at"),
    endedAt: numOrNull(row, "ended_at"),
    attemptStartedAt: numOrNull(row, "attempt_started_at") ?? num(row, "started_at"),
    wakeAt: numOrNull(row, "wake_at"),
    deadline: numOrNull(row, "deadline"),
    delivery: numOrNull(row, "delivery"),
    fromCache: numOrNull(row, "from_cache") === 1,
    claim: claimOf(row),
    resends: numOrNull(row, "resends") ?? 0,
  };
  if (options) record.options = options;
  const request = approval(row, "approval");
  if (request) record.approval = request;
  const target = textOrNull(row, "target");
  if (kind === "task" && target !== null) record.script = { path: target, args: json(row, "args") };
  const eventName = textOrNull(row, "event_name");
  if (kind === "event" && eventName !== null) record.event = { name: eventName };
  if (kind === "flow" && target !== null) {
    record.flow = { workflow: textOrNull(row, "flow_workflow") ?? "", input: json(row, "args"), timeout: numOrNull(row, "flow_timeout"), childId: target };
  }
  return record;
}

/** A steps row read for the log (its key, place, status and outcome) as a log entry. */
export function logEntryOf(row: Row): LogEntry {
  return {
    key: text(row, "key"),
    branch: text(row, "branch"),
    seq: num(row, "seq"),
    kind: oneOf(row, "kind", KINDS),
    name: text(row, "name"),
    status: oneOf(row, "status", STATUSES),
    attempts: num(row, "attempts"),
    result: json(row, "result"),
    ...payloadRefOf(row, "result_ref"),
    error: errorData(row, "error"),
    delivery: numOrNull(row, "delivery") ?? undefined,
    at: numOrNull(row, "ended_at") ?? undefined,
  };
}
