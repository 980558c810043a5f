// The routes behind approval links: GET shows the page and decides nothing; POST
// decides. The signed token is the only credential, so these need no bearer token;
// the Worker adds the page headers and refuses form posts from other sites.

import { href } from "../host.ts";
import { Hono, type Context } from "hono";
import { signApprovalToken, verifyApprovalToken, type ApprovalClaim } from "./approval-token.ts";
import type { Env } from "../env.ts";
import type { ApprovalInfo, RunObject } from "../runs/run-object.ts";
import { listedRun } from "../run-list/run-list.ts";
import { DecisionPage, OutcomePage } from "./approval-page.tsx";
import { nonceOf, readForm } from "../console/security.ts";

type AppEnv = { Bindings: Env };
type Checked = { claim: ApprovalClaim; info: ApprovalInfo; secret: string; run: DurableObjectStub<RunObject> } | Response;

/** Verifies the token and loads the approval, or answers with the page that explains why not. */
async function check(c: Context<AppEnv>): Promise<Checked> {
  const secret = c.env.BATON_SIGNING_KEY;
  if (!secret) {
    return c.html(<OutcomePage nonce={nonceOf(c)} title="Approval links are not set up" text="This deployment has no BATON_SIGNING_KEY, so it cannot check approval links." />, 503);
  }
  const verified = await verifyApprovalToken(secret, c.req.param("token") ?? "", Date.now());
  if (!verified.ok) {
    return verified.problem === "expired"
      ? c.html(<OutcomePage nonce={nonceOf(c)} title="This link has expired" text="The time to decide on this approval has passed. Nothing was changed." />, 410)
      : c.html(<OutcomePage nonce={nonceOf(c)} title="This link is not valid" text="The link is damaged or was not issued by this deployment. Nothing was changed." />, 403);
  }
  const { claim } = verified;
  // A deleted run is not listed: its link wakes no object.
  const run = await listedRun(c.env, claim.run);
  const info = run && (await run.approvalInfo(claim.key));
  if (!run || !info) return notFound(c);
  // The id was used again (a run deleted, another started under the same Idempotency-Key): the link was for the one before.
  if ((claim.inc ?? null) !== info.incarnation) {
    return c.html(<OutcomePage nonce={nonceOf(c)} title="This link has expired" text="It was issued for an earlier run with this id, which was deleted. Nothing was changed." />, 410);
  }
  return { claim, info, secret, run };
}

function notFound(c: Context<AppEnv>): Response | Promise<Response> {
  return c.html(<OutcomePage nonce={nonceOf(c)} title="Approval not found" text="This run has no such approval. Nothing was changed." />, 404);
}

async function alreadyDecided(c: Context<AppEnv>, info: ApprovalInfo): Promise<Response> {
  const result = info.result;
  const text = result
    ? `This approval was already decided: ${result.decision}${result.by ? ` by ${result.by}` : ""} at ${result.decidedAt}. Nothing was changed.`
    : `The run is ${info.runStatus}; there is nothing left to decide. Nothing was changed.`;
  return c.html(<OutcomePage nonce={nonceOf(c)} title="Already decided" text={text} info={info} />, 409);
}

/** The `/approvals` routes. */
export function approvalRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/:token", async (c) => {
    const checked = await check(c);
    if (checked instanceof Response) return checked;
    const { claim, info, secret } = checked;
    if (info.status !== "waiting") return alreadyDecided(c, info);
    // The holder of either link may choose: the page offers both, each posting to its own signed link.
    const action = async (decision: ApprovalClaim["decision"]) =>
      decision === claim.decision ? c.req.path : href(`/approvals/${await signApprovalToken(secret, { ...claim, decision })}`);
    return c.html(<DecisionPage nonce={nonceOf(c)} info={info} approveAction={await action("approve")} rejectAction={await action("reject")} proposed={claim.decision} />);
  });

  app.post("/:token", async (c) => {
    const checked = await check(c);
    if (checked instanceof Response) return checked;
    const { claim, info, run } = checked;
    const form = await readForm(c);
    if (!form) return c.html(<OutcomePage nonce={nonceOf(c)} title="Bad form" text="The form could not be read (its body is cut off or malformed). Nothing was changed." />, 400);
    const comment = typeof form.comment === "string" && form.comment.trim() ? form.comment.trim().slice(0, 2000) : undefined;
    const result = await run.decide(claim.key, { approved: claim.decision === "approve", comment, by: claim.to }, claim.inc ?? null);
    if (result.status === "decided") {
      const title = result.result.approved ? "Approved" : "Rejected";
      return c.html(<OutcomePage nonce={nonceOf(c)} title={title} text={`Thank you. Your decision is recorded and the run continues.`} info={info} />);
    }
    if (result.status === "approval_not_found" || result.status === "run_not_found") return notFound(c);
    return alreadyDecided(c, (await run.approvalInfo(claim.key)) ?? info);
  });

  return app;
}
