// The errors BatonClient throws: an API error answer, a wait that ran out, a run that
// did not complete. Kept apart from the client so the client's file stays about calls.

import type { RunDetail } from "./api-types.ts";

/** The API answered with an error: its HTTP status and the stable `code` of its body. */
export class BatonApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The error's stable code, e.g. "run_not_found". */
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "BatonApiError";
    this.status = status;
    this.code = code;
  }
}

/** The run did not end within the wait's timeout. */
export class WaitTimeoutError extends Error {
  /** The run as last read. */
  readonly run: RunDetail;
  constructor(run: RunDetail, seconds: number) {
    super(`run ${run.id} is still ${run.status} after ${seconds} s`);
    this.name = "WaitTimeoutError";
    this.run = run;
  }
}

/** The run ended failed or cancelled; `run.error` holds the workflow's error, if any. */
export class RunFailedError extends Error {
  /** The ended run. */
  readonly run: RunDetail;
  constructor(run: RunDetail) {
    super(run.status === "cancelled" ? `run ${run.id} was cancelled` : run.status === "continued" ? `run ${run.id} continued as ${run.continuedAs ?? "another run"}` : `run ${run.id} failed: ${run.error?.name ?? "Error"}: ${run.error?.message ?? "unknown error"}`);
    this.name = "RunFailedError";
    this.run = run;
  }
}

/** The BatonApiError an error answer's JSON body describes. */
export function errorOf(status: number, parsed: unknown, what: string): BatonApiError {
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return new BatonApiError(status, typeof error?.code === "string" ? error.code : "http_error", typeof error?.message === "string" ? error.message : `${what} answered ${status}`);
}

/** The BatonApiError of an error answer (its body read as JSON when it is). */
export async function apiError(response: Response, what: string): Promise<BatonApiError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await response.text());
  } catch {
    parsed = undefined;
  }
  return errorOf(response.status, parsed, what);
}
