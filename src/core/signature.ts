import type { KeyObject } from "node:crypto";
import { base64url, type CryptoKey, flattenedVerify, importJWK, type JWK } from "jose";
import { rsaBits } from "./jwk.js";
import { NATIVE_PARAMS, native, nativeVerify } from "./native.js";

/** Why a key can not be used; the caller maps it to an `AuthError`. */
export class UnusableKeyError extends Error {
  override name = "UnusableKeyError";
}

const nodeKeys = new WeakMap<JWK, KeyObject>();
/** Proof keys by RFC 7638 thumbprint (bounded: only keys that matched a token's cnf.jkt). */
const keysByThumbprint = new Map<string, KeyObject>();
const MAX_THUMBPRINT_KEYS = 1000;
const webKeys = new WeakMap<JWK, Map<string, Promise<CryptoKey | Uint8Array>>>();

/** Imports a public JWK once (per fetched key object) as a node:crypto KeyObject. */
function nodeKey(
  c: typeof import("node:crypto"),
  jwk: JWK,
  thumbprint: string | undefined,
): KeyObject {
  let key = thumbprint === undefined ? nodeKeys.get(jwk) : keysByThumbprint.get(thumbprint);
  if (!key) {
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
 * JWK objects are new on every request). Without node:crypto, or where it failed the
 * self-test (see native.ts): jose / WebCrypto. Returns false for a wrong signature only;
 * throws {@link UnusableKeyError} for a bad key, and anything else the crypto layer throws.
 */
export function verifySignature(
  alg: string,
  jwk: JWK,
  signingInput: string,
  signature: Uint8Array,
  thumbprint?: string,
): boolean | Promise<boolean> {
  const c = native();
  if (c) {
    const p = NATIVE_PARAMS[alg];
    if (!p) return webVerify(alg, jwk, signingInput, signature);
    const key = nodeKey(c, jwk, thumbprint);
    if (p.ec !== undefined && signature.length !== p.ec) return false;
    // node:crypto answers false for any bad signature; after the self-test an exception here
    // is a fault of the runtime, never a "bad signature": it propagates (a 500 with its cause).
    return nativeVerify(c, p, key, signingInput, signature);
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
    if (jwk.kty === "RSA" && rsaBits(jwk.n) < 2048) {
      throw new UnusableKeyError("RSA keys shorter than 2048 bits are refused");
    }
    pending = importJWK({ ...jwk, alg }, alg);
    byAlg.set(alg, pending);
  }
  let key: CryptoKey | Uint8Array;
  try {
    key = await pending;
  } catch (cause) {
    byAlg.delete(alg);
    // A runtime that lacks the algorithm is the server's fault (a 500), not the key's.
    if (isUnsupported(cause)) throw cause;
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
    // The key fits the algorithm (checked before) and was imported: anything else is the
    // crypto layer failing, never a bad signature.
    throw error;
  }
}

function isUnsupported(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | null;
  return e?.name === "NotSupportedError" || e?.code === "ERR_JOSE_NOT_SUPPORTED";
}
