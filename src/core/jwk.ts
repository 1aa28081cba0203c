import { base64url, type JWK } from "jose";
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

/** Bounds on a public key's size, so no key costs more than the largest we accept. */
export const KEY_BOUNDS = { minRsaBits: 2048, maxRsaBits: 8192, maxRsaExponentBytes: 4 } as const;
const CURVES: Record<string, ReadonlySet<string>> = {
  EC: new Set(["P-256", "P-384", "P-521"]),
  OKP: new Set(["Ed25519"]),
};

/** base64url-decoded bytes without leading zeros, or `undefined` when not base64url. */
function unsignedBytes(value: unknown): Uint8Array | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(value);
  } catch {
    return undefined;
  }
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

/** Bit length of an RSA modulus given as base64url (0 when it is not one). */
export function rsaBits(n: unknown): number {
  const bytes = unsignedBytes(n);
  if (!bytes || bytes.length === 0) return 0;
  return (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0] as number));
}

/**
 * Whether a public key is within {@link KEY_BOUNDS}: an RSA modulus of 2048–8192 bits and an
 * odd public exponent of at most 32 bits (3 or more); EC on P-256/384/521 and OKP on Ed25519
 * only. Checked for every JWKS key when it is loaded and for every DPoP proof key before any
 * signature work, so a key with a huge exponent or modulus never reaches a verification.
 */
export function keyWithinBounds(jwk: JWK): boolean {
  if (jwk.kty === "RSA") {
    const bits = rsaBits(jwk.n);
    if (bits < KEY_BOUNDS.minRsaBits || bits > KEY_BOUNDS.maxRsaBits) return false;
    const e = unsignedBytes(jwk.e);
    if (!e || e.length === 0 || e.length > KEY_BOUNDS.maxRsaExponentBytes) return false;
    const last = e[e.length - 1] as number;
    return (last & 1) === 1 && !(e.length === 1 && last < 3);
  }
  const curves = CURVES[jwk.kty ?? ""];
  return curves !== undefined && typeof jwk.crv === "string" && curves.has(jwk.crv);
}
