import { createHash } from "node:crypto";
import {
  calculateJwkThumbprint,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
} from "jose";
import { nowSeconds, randomId, signCompact, withoutUndefined } from "./jws.js";
import { SIGNING_ALGORITHMS } from "./keys.js";
import type { DpopAlg, DpopKeyPair, DpopProofOptions } from "./types.js";

/** Generates a DPoP key pair and its RFC 7638 thumbprint. */
export async function createDpopKey(alg: DpopAlg = "ES256"): Promise<DpopKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const thumbprint = await calculateJwkThumbprint(publicJwk, "sha256");
  return { privateKey, publicJwk, alg, thumbprint };
}

/** base64url(SHA-256(accessToken)): the `ath` claim of a proof. */
export function accessTokenHash(accessToken: string): string {
  return createHash("sha256").update(accessToken, "ascii").digest("base64url");
}

/** The `htu` of a URL: without query and fragment (RFC 9449 §4.2). */
function targetUri(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Signs a DPoP proof JWT (RFC 9449 §4.2). */
export function createDpopProof(options: DpopProofOptions): string {
  const { key } = options;
  const header = withoutUndefined({
    typ: "dpop+jwt",
    alg: key.alg,
    jwk: key.publicJwk,
    ...options.header,
  });
  const payload = withoutUndefined({
    jti: options.jti ?? randomId(),
    htm: options.method,
    htu: targetUri(options.url),
    iat: options.iat ?? nowSeconds(),
    ath: options.accessToken === undefined ? undefined : accessTokenHash(options.accessToken),
    nonce: options.nonce,
    ...options.claims,
  });
  return signCompact(header, payload, key.privateKey, key.alg);
}

/** Why a proof sent to the token endpoint was refused. */
export class InvalidProofError extends Error {
  override name = "InvalidProofError";
}

/**
 * Verifies a DPoP proof sent to the token endpoint and returns the thumbprint of its key.
 * `acceptedUris` are the URLs the proof's `htu` may name (the token endpoint, as configured
 * and as addressed by the request's Host header).
 */
export async function verifyTokenEndpointProof(
  proof: string,
  acceptedUris: readonly string[],
): Promise<string> {
  if (proof.includes(",") || proof.split(".").length !== 3) {
    throw new InvalidProofError("DPoP header must hold exactly one proof JWT");
  }
  let verified: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: "dpop+jwt",
      algorithms: [...SIGNING_ALGORITHMS],
      maxTokenAge: 300,
      clockTolerance: 60,
    });
  } catch (error) {
    throw new InvalidProofError(error instanceof Error ? error.message : "invalid proof");
  }
  const { payload, protectedHeader } = verified;
  const jwk = protectedHeader.jwk as JWK | undefined;
  if (!jwk || "d" in jwk) throw new InvalidProofError("jwk header must be a public key");
  if (typeof payload.jti !== "string" || payload.jti.length === 0) {
    throw new InvalidProofError("jti claim is required");
  }
  if (payload.htm !== "POST") throw new InvalidProofError("htm must be POST");
  if (typeof payload.htu !== "string" || !acceptedUris.includes(safeTargetUri(payload.htu))) {
    throw new InvalidProofError("htu must be the token endpoint URL");
  }
  return calculateJwkThumbprint(jwk, "sha256");
}

function safeTargetUri(url: string): string {
  try {
    return targetUri(url);
  } catch {
    return "";
  }
}
