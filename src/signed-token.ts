// Signed tokens for links that are their own credential (approval links, event URLs):
// `base64url(claim).base64url(HMAC-SHA256(message))` under BATON_SIGNING_KEY. Web Crypto
// only; verification is constant-time (crypto.subtle.verify). A `purpose` is signed
// with the claim, so a token issued for one kind of link is never valid as another.

import { fromBase64Url, toBase64Url } from "./base64url.ts";

const encoder = new TextEncoder();

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** What is signed: the encoded claim, prefixed by its purpose (none for approval links, which predate purposes). */
function message(purpose: string, payload: string): Uint8Array {
  return encoder.encode(purpose === "" ? payload : `${purpose}:${payload}`);
}

/** Signs `claim` (any JSON object) into a token for `purpose`. */
export async function signToken(secret: string, purpose: string, claim: object): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify(claim)));
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), message(purpose, payload)));
  return `${payload}.${toBase64Url(signature)}`;
}

/** The token's claim (a JSON object, not yet checked further) if its signature for `purpose` holds; null otherwise. */
export async function verifiedClaim(secret: string, purpose: string, token: string): Promise<Record<string, unknown> | null> {
  const [payload, signature, extra] = token.split(".");
  const signatureBytes = signature === undefined ? undefined : fromBase64Url(signature);
  if (payload === undefined || !signatureBytes || extra !== undefined) return null;
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), signatureBytes, message(purpose, payload));
  if (!valid) return null;
  try {
    const claim: unknown = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
    return typeof claim === "object" && claim !== null && !Array.isArray(claim) ? (claim as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
