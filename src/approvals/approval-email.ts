// The approval email: a plain-text and an HTML part, a clear subject, and both links.

import { buildMime } from "./mime.ts";

/** What goes into one approval email. */
export interface ApprovalEmail {
  from: string;
  to: string;
  subject: string;
  message: string;
  workflow: string;
  runId: string;
  expiresAt: string;
  approveUrl: string;
  rejectUrl: string;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The raw MIME text of an approval email. */
export function approvalEmailRaw(email: ApprovalEmail): string {
  const domain = email.from.split("@")[1] ?? "baton.invalid";
  const intro = email.message || "A workflow is waiting for your decision.";
  const text = [
    intro,
    "",
    `Workflow: ${email.workflow}`,
    `Run: ${email.runId}`,
    `Decide by: ${email.expiresAt}`,
    "",
    `Approve: ${email.approveUrl}`,
    `Reject:  ${email.rejectUrl}`,
    "",
    "Each link opens a page where you confirm; opening it alone decides nothing.",
  ].join("\n");
  const html = `<p>${escapeHtml(intro).replace(/\n/g, "<br>\n")}</p>
<p>Workflow: <b>${escapeHtml(email.workflow)}</b><br>Run: <code>${escapeHtml(email.runId)}</code><br>Decide by: ${escapeHtml(email.expiresAt)}</p>
<p><a href="${escapeHtml(email.approveUrl)}">Approve</a> &nbsp; <a href="${escapeHtml(email.rejectUrl)}">Reject</a></p>
<p style="color:#666">Each link opens a page where you confirm; opening it alone decides nothing.</p>
`;
  return buildMime({
    from: { name: "Baton", address: email.from },
    to: [{ address: email.to }],
    subject: email.subject,
    messageId: `${crypto.randomUUID()}@${domain}`,
    date: new Date(),
    parts: [
      { type: "text/plain", text },
      { type: "text/html", text: html },
    ],
  });
}
