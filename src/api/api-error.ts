// API errors: one class carrying the HTTP status and a stable code, turned into
// `{error: {code, message}}` by the app's error handler.

import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every error code the API answers with. */
export type ApiErrorCode =
  | "unauthorized"
  | "invalid_json"
  | "invalid_request"
  | "payload_too_large"
  | "workflow_not_found"
  | "script_not_found"
  | "run_not_found"
  | "run_not_active"
  | "run_busy"
  | "run_paused"
  | "step_not_found"
  | "run_not_completed"
  | "step_not_completed"
  | "payload_missing"
  | "approval_not_found"
  | "approval_already_decided"
  | "idempotency_conflict"
  | "inbox_full"
  | "query_not_found"
  | "query_failed"
  | "query_unavailable"
  | "update_not_found"
  | "update_failed"
  | "update_rejected"
  | "update_unavailable"
  | "event_url_not_found"
  | "event_url_expired"
  | "event_url_used"
  | "signing_key_unset"
  | "too_many_attempts"
  | "too_many_readers"
  | "invalid_input"
  | "workflow_build_failed"
  | "protocol_mismatch"
  | "worker_token_unset"
  | "workers_not_configured"
  | "claim_lapsed"
  | "not_found"
  | "method_not_allowed"
  | "internal_error";

/** An error the API reports to the client as it is. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    /** More the client can act on, beside the message (an invalid input's failing paths). */
    readonly details: { issues?: { path: string; message: string }[]; build?: { file: string; line: number; column: number; message: string } } = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The JSON body of this error. */
  body(): { error: { code: ApiErrorCode; message: string; issues?: { path: string; message: string }[]; build?: { file: string; line: number; column: number; message: string } } } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}
