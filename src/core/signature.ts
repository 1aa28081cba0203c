import type { KeyObject } from "node:crypto";
import { base64url, type CryptoKey, flattenedVerify, importJWK, type JWK } from "jose";
import { nodeCrypto } from "./node-crypto.js";

/** Why a key can not be used; the caller maps it to an `AuthError`. */
export class UnusableKeyError extends Error {
  override name = "UnusableKeyError";
}

type NodeParams = { hash: string | null; padding?: number; saltLength?: number; ec?: number };

const NODE_PARAMS: Record<string, NodeParams> = {
  RS256: { hash: "sha256" },
  RS384: { hash: "sha384" },
  RS512: { hash: "sha512" },
  PS256: { hash: "sha256", padding: 6, saltLength: 32 },
  PS384: { hash: "sha384", padding: 6, saltLength: 48 },
  PS512: { hash: "sha512", padding: 6, saltLength: 64 },
  ES256: { hash: "sha256", ec: 64 },
  ES384: { hash: "sha384", ec: 96 },
  ES512: { hash: "sha512", ec: 132 },
  EdDSA: { hash: null },
  Ed25519: { hash: null },
};

const nodeKeys = new WeakMap<JWK, KeyObject>();
/** Proof keys by RFC 7638 thumbprint (bounded: only keys that matched a token's cnf.jkt). */
const keysByThumbprint = new Map<string, KeyObject>();
const MAX_THUMBPRINT_KEYS = 1000;
const webKeys = new WeakMap<JWK, Map<string, Promise<CryptoKey | Uint8Array>>>();

/** Imports a public JWK once (per fetched key object) as a node:crypto KeyObject. */
function nodeKey(jwk: JWK, thumbprint: string | undefined): KeyObject {
  let key = thumbprint === undefined ? nodeKeys.get(jwk) : keysByThumbprint.get(thumbprint);
  if (!key) {
    const c = nodeCrypto as NonNullable<typeof nodeCrypto>;
    try {
      key = c.createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    } catch (cause) {
      throw new UnusableKeyError("the key could not be imported", { cause });
    }
    if (key.type !== "public") throw new UnusableKeyError("not a public key");
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (key.asymmetricKeyType === "rsa" && (bits === undefined || bits < 2048)) {
      throw new UnusableKeyError("RSA keys shorter than 2048 bits are refused");
    }
    if (thumbprint === undefined) nodeKeys.set(jwk, key);
    else {
      if (keysByThumbprint.size >= MAX_THUMBPRINT_KEYS) {
        const oldest = keysByThumbprint.keys().next();
        if (!oldest.done) keysByThumbprint.delete(oldest.value);
      }
      keysByThumbprint.set(thumbprint, key);
    }
  }
  return key;
}

/**
 * Verifies a JWS signature with a public JWK. With node:crypto: synchronous, the key
 * imported once per JWK object — or once per `thumbprint` when given (DPoP proof keys, whose
 * JWK objects are new on every request). Without node:crypto: jose / WebCrypto.
 * Returns false for a wrong signature; throws {@link UnusableKeyError} for a bad key.
 */
export function verifySignature(
  alg: string,
  jwk: JWK,
  signingInput: string,
  signature: Uint8Array,
  thumbprint?: string,
): boolean | Promise<boolean> {
  if (nodeCrypto) {
    const p = NODE_PARAMS[alg];
    if (!p) return false;
    const key = nodeKey(jwk, thumbprint);
    if (p.ec !== undefined && signature.length !== p.ec) return false;
    try {
      return nodeCrypto.verify(
        p.hash,
        Buffer.from(signingInput),
        {
          key,
          padding: p.padding,
          saltLength: p.saltLength,
          dsaEncoding: p.ec !== undefined ? "ieee-p1363" : undefined,
        },
        signature,
      );
    } catch {
      return false;
    }
  }
  return webVerify(alg, jwk, signingInput, signature);
}

async function webVerify(
  alg: string,
  jwk: JWK,
  signingInput: string,
  signature: Uint8Array,
): Promise<boolean> {
  let byAlg = webKeys.get(jwk);
  if (!byAlg) {
    byAlg = new Map();
    webKeys.set(jwk, byAlg);
  }
  let pending = byAlg.get(alg);
  if (!pending) {
    pending = importJWK({ ...jwk, alg }, alg);
    byAlg.set(alg, pending);
  }
  let key: CryptoKey | Uint8Array;
  try {
    key = await pending;
  } catch (cause) {
    byAlg.delete(alg);
    throw new UnusableKeyError("the key could not be imported", { cause });
  }
  const dot = signingInput.indexOf(".");
  try {
    await flattenedVerify(
      {
        protected: signingInput.slice(0, dot),
        payload: signingInput.slice(dot + 1),
        signature: base64url.encode(signature),
      },
      key,
      { algorithms: [alg] },
    );
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") return false;
    throw new UnusableKeyError("the key does not fit the algorithm", { cause: error });
  }
}
