// Reading SQLite rows as typed values. A column that does not hold what the code
// expects throws, naming it, instead of flowing on as a wrong type; JSON columns are
// parsed and then checked by the same validators the values passed when written.

import { approvalRequest, decodeJson, errorDataOf, resolveTaskOptions, type ApprovalRequest, type ErrorData, type Json, type ResolvedTaskOptions } from "baton-workflows/engine";

/** A row as `sql.exec(...).toArray()` gives it. */
export type Row = Record<string, SqlStorageValue>;

function wrong(column: string, expected: string, value: SqlStorageValue | undefined): TypeError {
  return new TypeError(`baton: column ${column} holds ${value === null ? "NULL" : typeof value}, not ${expected}`);
}

/** A TEXT column that is never NULL. */
export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw wrong(column, "text", value);
  return value;
}

/** A TEXT column that may be NULL. */
export function textOrNull(row: Row, column: string): string | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (typeof value !== "string") throw wrong(column, "text", value);
  return value;
}

/** An INTEGER or REAL column that is never NULL. */
export function num(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== "number") throw wrong(column, "a number", value);
  return value;
}

/** An INTEGER or REAL column that may be NULL. */
export function numOrNull(row: Row, column: string): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (typeof value !== "number") throw wrong(column, "a number", value);
  return value;
}

/** A TEXT column holding JSON (NULL: undefined). */
export function json(row: Row, column: string): Json | undefined {
  return decodeJson(textOrNull(row, column));
}

/** A TEXT column holding error data (NULL: undefined). */
export function errorData(row: Row, column: string): ErrorData | undefined {
  const value = textOrNull(row, column);
  return value === null ? undefined : errorDataOf(JSON.parse(value));
}

/** A TEXT column holding resolved task options, checked again as task() checked them. */
export function taskOptions(row: Row, column: string): ResolvedTaskOptions | undefined {
  const value = textOrNull(row, column);
  return value === null ? undefined : resolveTaskOptions(JSON.parse(value) as never, "stored task");
}

/** A TEXT column holding an approval request, checked again as waitForApproval() checked it. */
export function approval(row: Row, column: string): ApprovalRequest | undefined {
  const value = textOrNull(row, column);
  return value === null ? undefined : approvalRequest(JSON.parse(value) as never);
}

/** One of `values`, from a TEXT column. */
export function oneOf<T extends string>(row: Row, column: string, values: readonly T[]): T {
  const value = text(row, column);
  if (!(values as readonly string[]).includes(value)) throw new TypeError(`baton: column ${column} holds "${value}", not one of ${values.join(", ")}`);
  return value as T;
}
