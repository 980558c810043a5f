// The run object's approval mail: signed links for an approval, and sending the
// approval emails that are due, with back-off. Mail never holds up or fails a run.

import { host, isLoopback } from "../host.ts";
import { approvalEmailRaw } from "./approval-email.ts";
import { signApprovalToken } from "./approval-token.ts";
import { housekeepingBackoffMs, isTerminal, toErrorData } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import type { Mailer } from "./mailer.ts";
import type { RunRow, RunStore } from "../runs/run-store.ts";
import { iso } from "../runs/run-view.ts";

/** Tries of one approval email before it is marked failed. */
export const EMAIL_ATTEMPTS = 8;

/** Signed approve and reject links for an approval (sent to `to`, if given); null without a key or a base URL. */
export async function approvalLinks(
  env: Env,
  run: RunRow,
  key: string,
  expires: number,
  to?: string,
): Promise<{ approveUrl: string | null; rejectUrl: string | null }> {
  const secret = env.BATON_SIGNING_KEY;
  const base = (env.BATON_PUBLIC_URL ?? run.origin ?? "").replace(/\/+$/, "");
  if (!secret || !base) return { approveUrl: null, rejectUrl: null };
  const link = async (decision: "approve" | "reject") =>
    `${base}${host.basePath}/approvals/${await signApprovalToken(secret, { run: run.id, ...(run.incarnation === null ? {} : { inc: run.incarnation }), key, decision, expires, ...(to === undefined ? {} : { to }) })}`;
  return { approveUrl: await link("approve"), rejectUrl: await link("reject") };
}

/**
 * Prints an approval's links to the terminal, whole, when they point at the local dev
 * server: under `wrangler dev` mail lands in soft-wrapped .eml files no one reads. Never
 * for a deployment: a signed link is a capability, and logs are not the place for one.
 */
export async function announceApprovalInDev(env: Env, run: RunRow, key: string, expires: number): Promise<void> {
  if (!isLoopback(env.BATON_PUBLIC_URL ?? run.origin ?? "")) return;
  const links = await approvalLinks(env, run, key, expires);
  if (links.approveUrl && links.rejectUrl) console.log(`baton: run ${run.id} waits for approval "${key}"\n  approve: ${links.approveUrl}\n  reject:  ${links.rejectUrl}`);
}

/**
 * Sends the approval emails that are due. Each was recorded when the approval
 * began; a failed send is tried again with back-off on the alarm, and its error
 * shows on the approval's step.
 */
export async function sendApprovalEmails(store: RunStore, env: Env, run: RunRow, mailer: Mailer): Promise<void> {
  for (const { key, recipient, attempts } of store.emails.due(Date.now())) {
    const step = store.steps.step(key);
    const request = step?.approval;
    if (!step || !request || step.status !== "waiting" || step.wakeAt === null || isTerminal(run.status)) {
      store.emails.skip(key);
      continue;
    }
    const approval = { request, wakeAt: step.wakeAt };
    const now = Date.now();
    const from = env.BATON_EMAIL_FROM;
    const links = await approvalLinks(env, run, key, approval.wakeAt, recipient);
    let error: string | null = null;
    let retry = true;
    if (!from) [error, retry] = ["BATON_EMAIL_FROM is not set, so approval emails cannot be sent", false];
    else if (!links.approveUrl || !links.rejectUrl) [error, retry] = ["approval links need BATON_SIGNING_KEY and a public URL", false];
    else {
      try {
        const raw = approvalEmailRaw({
          from,
          to: recipient,
          subject: approval.request.subject,
          message: approval.request.message,
          workflow: run.workflow,
          runId: run.id,
          expiresAt: iso(approval.wakeAt),
          approveUrl: links.approveUrl,
          rejectUrl: links.rejectUrl,
        });
        await mailer(from, recipient, raw);
      } catch (caught) {
        error = toErrorData(caught).message;
      }
    }
    if (error !== null) console.error(`baton: approval email for ${key} of run ${run.id} not sent (try ${attempts + 1}): ${error}`);
    const retryAt = error !== null && retry && attempts + 1 < EMAIL_ATTEMPTS ? now + housekeepingBackoffMs(attempts + 1) : null;
    store.emails.attempted(key, recipient, now, error, retryAt);
  }
}
