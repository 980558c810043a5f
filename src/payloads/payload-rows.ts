// A reference to a kept value as stored in a row: its own column (JSON `{key, bytes}`),
// never inside the user's JSON, so no value can pass for one.

import { isPayloadRef, type PayloadRef } from "baton-workflows/engine";
import { textOrNull, type Row } from "../runs/rows.ts";

/** `{ resultRef }` from the row's `column`, or nothing when it holds none; throws naming a column that holds something else. */
export function payloadRefOf(row: Row, column: string): { resultRef?: PayloadRef } {
  const ref = refIn(row, column);
  return ref ? { resultRef: ref } : {};
}

/** The reference in the row's `column`, or null. */
export function refIn(row: Row, column: string): PayloadRef | null {
  const stored = column in row ? textOrNull(row, column) : null;
  if (stored === null) return null;
  const value = JSON.parse(stored) as unknown;
  if (!isPayloadRef(value)) throw new Error(`baton: the ${column} column holds ${stored.slice(0, 80)}, not a payload reference`);
  return value;
}
