// The shapes of waitForApproval(): what a workflow asks a person, and what it gets back.

import { onlyKnownKeys, toSeconds, type Duration } from "./duration.ts";
import { InvalidArgumentError } from "./errors.ts";

/** Seconds an approval waits for a decision unless `timeout` says otherwise: 24 hours. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 24 * 60 * 60;

/** Options of waitForApproval(). */
export interface ApprovalOptions {
  /** Email addresses asked to decide; each gets approve and reject links. */
  to?: string[];
  /** The email's subject. */
  subject?: string;
  /** What is being approved, shown in the email and on the approval page. */
  message?: string;
  /** How long to wait before the approval ends with decision "timeout" (seconds or e.g. "3 days"); default 24 hours. */
  timeout?: Duration;
  /** JSON shown on the approval page. */
  data?: unknown;
}

/** How an approval ended. */
export interface ApprovalResult {
  approved: boolean;
  decision: "approved" | "rejected" | "timeout";
  /** Who decided, when known. */
  by?: string;
  /** The decider's comment, if any. */
  comment?: string;
  /** When the decision was made, as an ISO string. */
  decidedAt: string;
}

/** An approval request as the engine records it: options checked, defaults applied. */
export interface ApprovalRequest {
  to: string[];
  subject: string;
  message: string;
  timeout: number;
  data?: unknown;
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Checks waitForApproval()'s options and applies the defaults. */
export function approvalRequest(options: ApprovalOptions): ApprovalRequest {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("waitForApproval() takes an options object, e.g. { to: [\"ops@example.com\"] }");
  }
  onlyKnownKeys(options, ["to", "subject", "message", "timeout", "data"], "waitForApproval()");
  const { to = [], subject, message = "", timeout: given = DEFAULT_APPROVAL_TIMEOUT_SECONDS, data } = options;
  if (!Array.isArray(to) || to.some((address) => typeof address !== "string" || !EMAIL.test(address))) {
    throw new InvalidArgumentError(`waitForApproval() \`to\` must be a list of email addresses, got ${JSON.stringify(to)}`);
  }
  if (typeof message !== "string") throw new InvalidArgumentError("waitForApproval() `message` must be a string");
  if (subject !== undefined && typeof subject !== "string") throw new InvalidArgumentError("waitForApproval() `subject` must be a string");
  const timeout = toSeconds(given, "waitForApproval() `timeout`", 0, true);
  const request: ApprovalRequest = { to, subject: subject ?? (message ? `Approval needed: ${message.slice(0, 80)}` : "Approval needed"), message, timeout };
  if (data !== undefined) request.data = data;
  return request;
}
