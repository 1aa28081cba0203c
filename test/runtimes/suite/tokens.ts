/**
 * The shared suite's issuer, made here with `jose`: its names, the signing keys (one per token
 * algorithm), access tokens, DPoP proof keys and proofs. Only WebCrypto underneath.
 */
import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";

export const ISSUER = "https://issuer.runtime-matrix.example/";
export const AUDIENCE = "https://api.runtime-matrix.example";
export const ORIGIN = "https://api.runtime-matrix.example";
export const TOKEN_ALGS = ["RS256", "ES256", "PS256", "EdDSA"] as const;
export type TokenAlg = (typeof TOKEN_ALGS)[number];
export const DPOP_ALGS = ["ES256", "EdDSA"];

export interface SigningKey {
  alg: TokenAlg;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface ProofKey {
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  thumbprint: string;
}

export async function signingKey(alg: TokenAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `matrix-${alg.toLowerCase()}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicJwk };
}

export async function proofKey(alg: "ES256" | "EdDSA"): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk) };
}

let jtiCounter = 0;
const jti = () =>
  `${Date.now().toString(36)}-${++jtiCounter}-${Math.random().toString(36).slice(2)}`;

/** An access token (`at+jwt`, 10 minutes) from this issuer for this audience. */
export function sign(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ client_id: "matrix-client", ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("10m")
    .setJti(jti())
    .sign(key.privateKey);
}

/** A DPoP proof (RFC 9449) for `method url`, bound to `token` through `ath`. */
export async function dpopProof(key: ProofKey, method: string, url: string, token: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return new SignJWT({ htm: method, htu: url, ath: base64url.encode(new Uint8Array(digest)) })
    .setProtectedHeader({ alg: key.alg, typ: "dpop+jwt", jwk: key.publicJwk })
    .setIssuedAt()
    .setJti(jti())
    .sign(key.privateKey);
}

/** Flips one character in the middle of the signature (never the last: it may carry pad bits). */
export function tamper(token: string): string {
  const dot = token.lastIndexOf(".");
  const i = dot + Math.floor((token.length - dot) / 2);
  const c = token[i] === "A" ? "B" : "A";
  return token.slice(0, i) + c + token.slice(i + 1);
}
