import type { JWK } from "jose";
import { sha256b64u } from "./crypto.js";

/** Key type and curve each JWS algorithm needs (RFC 7518 §3, RFC 8037). */
const KEY_FOR_ALG: Record<string, { kty: string; crv?: string }> = {
  RS256: { kty: "RSA" },
  RS384: { kty: "RSA" },
  RS512: { kty: "RSA" },
  PS256: { kty: "RSA" },
  PS384: { kty: "RSA" },
  PS512: { kty: "RSA" },
  ES256: { kty: "EC", crv: "P-256" },
  ES384: { kty: "EC", crv: "P-384" },
  ES512: { kty: "EC", crv: "P-521" },
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  Ed25519: { kty: "OKP", crv: "Ed25519" },
};

/** Whether a JWK may verify a signature of `alg` (type, curve, `alg`, `use`, `key_ops`). */
export function keyFitsAlg(jwk: JWK, alg: string): boolean {
  const need = KEY_FOR_ALG[alg];
  if (!need || jwk.kty !== need.kty) return false;
  if (need.crv && jwk.crv !== need.crv) return false;
  if (jwk.alg !== undefined && jwk.alg !== alg && !(isEd(jwk.alg) && isEd(alg))) return false;
  if (jwk.use !== undefined && jwk.use !== "sig") return false;
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))
  ) {
    return false;
  }
  return true;
}

const isEd = (alg: string) => alg === "EdDSA" || alg === "Ed25519";

/** The keys of a set that may verify a token with this `alg` and `kid`. */
export function selectKeys(keys: readonly JWK[], alg: string, kid: string | undefined): JWK[] {
  const out: JWK[] = [];
  for (const k of keys) if ((kid === undefined || k.kid === kid) && keyFitsAlg(k, alg)) out.push(k);
  return out;
}

/** Required members per key type for the RFC 7638 thumbprint, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  RSA: ["e", "kty", "n"],
  EC: ["crv", "kty", "x", "y"],
  OKP: ["crv", "kty", "x"],
};

/**
 * RFC 7638 SHA-256 thumbprint, base64url. `undefined` for an unsupported key type or a
 * missing / non-string member.
 */
export function thumbprint(jwk: JWK): string | Promise<string> | undefined {
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? ""];
  if (!members) return undefined;
  const parts: string[] = [];
  for (const m of members) {
    const v = (jwk as Record<string, unknown>)[m];
    if (typeof v !== "string") return undefined;
    parts.push(`${JSON.stringify(m)}:${JSON.stringify(v)}`);
  }
  return sha256b64u(`{${parts.join(",")}}`);
}
