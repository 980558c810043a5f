// Approval links carry a token: the claim (run and its incarnation, step key, decision,
// expiry, and the recipient it was sent to) and its HMAC-SHA256 under BATON_SIGNING_KEY, both
// base64url (src/signed-token.ts, with no purpose prefix, so links already sent keep working).

import { signToken, verifiedClaim } from "../signed-token.ts";

/** What an approval link lets its holder do. */
export interface ApprovalClaim {
  run: string;
  /** The run's incarnation (a random value recorded at its creation): a link outlives nothing but the run it was issued for. Absent for runs created before incarnations. */
  inc?: string;
  key: string;
  decision: "approve" | "reject";
  /** Milliseconds since the epoch after which the link no longer works. */
  expires: number;
  /** The recipient the link was sent to, recorded as the decider. */
  to?: string;
}

/** Why a token was refused. */
export type TokenProblem = "invalid" | "expired";

/** Signs a claim into a token for an approval link. */
export async function signApprovalToken(secret: string, claim: ApprovalClaim): Promise<string> {
  return signToken(secret, "", claim);
}

/** The token's claim if its signature holds and it has not expired. */
export async function verifyApprovalToken(
  secret: string,
  token: string,
  now: number,
): Promise<{ ok: true; claim: ApprovalClaim } | { ok: false; problem: TokenProblem }> {
  const claim = (await verifiedClaim(secret, "", token)) as ApprovalClaim | null;
  if (!claim) return { ok: false, problem: "invalid" };
  if (typeof claim.expires !== "number" || claim.expires <= now) return { ok: false, problem: "expired" };
  return { ok: true, claim };
}
