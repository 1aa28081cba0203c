import { createHash } from "node:crypto";
import {
  calculateJwkThumbprint,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  importJWK,
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

const DPOP_ALGS: ReadonlySet<string> = new Set<DpopAlg>([
  "ES256",
  "RS256",
  "EdDSA",
  "Ed25519",
  "PS256",
  "ES384",
]);

/** The alg a JWK without `alg` is used with: by its curve, RS256 for RSA. */
function inferredAlg(jwk: JWK): string | undefined {
  if (jwk.kty === "EC")
    return jwk.crv === "P-256" ? "ES256" : jwk.crv === "P-384" ? "ES384" : undefined;
  if (jwk.kty === "OKP") return jwk.crv === "Ed25519" ? "EdDSA" : undefined;
  return jwk.kty === "RSA" ? "RS256" : undefined;
}

/**
 * Makes a {@link DpopKeyPair} from a private JWK, e.g. the `DPOP_JWK` that
 * `scopegate token --dpop` prints, so proofs can be signed with a key kept in a file or an
 * environment variable. The algorithm is `alg`, else the JWK's `alg`, else the one its curve
 * implies (`ES256` for P-256, `ES384` for P-384, `EdDSA` for Ed25519, `RS256` for RSA).
 * It checks that the key is a private key usable with that algorithm; it does not check
 * which tokens the key is bound to.
 *
 * @param jwk - a private JWK (with `d`).
 * @param alg - the proof algorithm, one of {@link DpopAlg}.
 * @returns the key pair; its `publicJwk` holds only the public members.
 * @throws TypeError when the JWK is not a private key for a supported algorithm.
 *
 * @example
 * ```ts
 * import { dpopProof, importDpopKey } from "scopegate/testing";
 *
 * const key = await importDpopKey(JSON.parse(process.env.DPOP_JWK ?? ""));
 * const proof = await dpopProof({ key, method: "GET", url, accessToken: process.env.TOKEN });
 * ```
 */
export async function importDpopKey(jwk: JWK, alg?: DpopAlg): Promise<DpopKeyPair> {
  if (typeof jwk !== "object" || jwk === null || typeof jwk.d !== "string") {
    throw new TypeError("scopegate/testing: importDpopKey needs a private JWK (with d)");
  }
  const chosen = alg ?? jwk.alg ?? inferredAlg(jwk);
  if (chosen === undefined || !DPOP_ALGS.has(chosen)) {
    throw new TypeError(
      `scopegate/testing: importDpopKey: alg ${JSON.stringify(chosen ?? null)} is not one of ${[...DPOP_ALGS].join(", ")}`,
    );
  }
  const members = jwk.kty === "RSA" ? ["kty", "n", "e"] : ["kty", "crv", "x", "y"];
  const publicJwk: JWK = Object.fromEntries(
    members.flatMap((name) => {
      const value = (jwk as Record<string, unknown>)[name];
      return typeof value === "string" ? [[name, value]] : [];
    }),
  );
  let privateKey: Awaited<ReturnType<typeof importJWK>>;
  try {
    privateKey = await importJWK({ ...jwk, ext: true }, chosen, { extractable: true });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TypeError(`scopegate/testing: importDpopKey: not a usable ${chosen} key: ${why}`);
  }
  if (privateKey instanceof Uint8Array) {
    throw new TypeError(`scopegate/testing: importDpopKey: not an asymmetric ${chosen} key`);
  }
  const thumbprint = await calculateJwkThumbprint(publicJwk, "sha256");
  return { privateKey, publicJwk, alg: chosen as DpopAlg, thumbprint };
}

/**
 * Signs a DPoP proof (RFC 9449 §4.2) without a running issuer: the same proof as
 * {@link TestIssuer.dpopProof} (header `{ typ: "dpop+jwt", alg, jwk }`, claims `jti`, `htm`,
 * `htu` without query and fragment, `iat`, and `ath` / `nonce` when given). Each call makes
 * a new `jti`, so a proof is good for one request: a server with a replay store refuses the
 * second use. It does not check that `accessToken` is bound to `key`.
 *
 * @param options - see {@link DpopProofOptions}.
 * @returns the proof JWT, the value of the `DPoP` request header.
 *
 * @example
 * ```ts
 * const url = "http://127.0.0.1:3001/trpc/messages";
 * const proof = await dpopProof({ key, method: "GET", url, accessToken: token });
 * await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
 * ```
 */
export async function dpopProof(options: DpopProofOptions): Promise<string> {
  return createDpopProof(options);
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
