// Approval links carry a token: the claim (run and its incarnation, step key, decision,
// expiry, and the recipient it was sent to) and its HMAC-SHA256 under BATON_SIGNING_KEY, both
// base64url. Web Crypto only; verification is constant-time (crypto.subtle.verify).

import { fromBase64Url, toBase64Url } from "../base64url.ts";

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

const encoder = new TextEncoder();

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Signs a claim into a token for an approval link. */
export async function signApprovalToken(secret: string, claim: ApprovalClaim): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify(claim)));
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(payload)));
  return `${payload}.${toBase64Url(signature)}`;
}

/** The token's claim if its signature holds and it has not expired. */
export async function verifyApprovalToken(
  secret: string,
  token: string,
  now: number,
): Promise<{ ok: true; claim: ApprovalClaim } | { ok: false; problem: TokenProblem }> {
  const [payload, signature, extra] = token.split(".");
  const signatureBytes = signature === undefined ? undefined : fromBase64Url(signature);
  if (payload === undefined || !signatureBytes || extra !== undefined) return { ok: false, problem: "invalid" };
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), signatureBytes, encoder.encode(payload));
  if (!valid) return { ok: false, problem: "invalid" };
  const bytes = fromBase64Url(payload);
  let claim: ApprovalClaim;
  try {
    claim = JSON.parse(new TextDecoder().decode(bytes)) as ApprovalClaim;
  } catch {
    return { ok: false, problem: "invalid" };
  }
  if (typeof claim.expires !== "number" || claim.expires <= now) return { ok: false, problem: "expired" };
  return { ok: true, claim };
}
