import { constants, KeyObject, randomBytes, sign } from "node:crypto";
import type { CryptoKey } from "jose";

/**
 * Compact JWS signing for test tokens.
 *
 * jose's `CompactSign` validates the protected header (the `alg` must match the key, `crit`
 * must be understood, `b64` changes the encoding). A test issuer must be able to mint the
 * tokens a verifier has to refuse (`alg: "none"`, `alg: "HS256"` over an RSA key, unknown
 * `crit`), so the header is serialised as given and the signature is made with node:crypto
 * using the real algorithm of the key. The signatures are standard JWS signatures (ECDSA in
 * IEEE P1363 form, RSA-PSS with a digest-length salt), verified by jose in the tests.
 */

const HASHES: Record<string, string | null> = {
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
  PS256: "sha256",
  PS384: "sha384",
  PS512: "sha512",
  ES256: "sha256",
  ES384: "sha384",
  ES512: "sha512",
  EdDSA: null,
  Ed25519: null,
};

/** Random base64url string of `bytes` random bytes (kid, jti). */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString("base64url");
}

/** Current time in whole seconds since the epoch. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Copy of `record` without the members whose value is `undefined`. */
export function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/**
 * Signs `payload` under `header` with `key` using the algorithm `alg` (not `header.alg`).
 * A header whose `alg` is `"none"` gives an unsecured JWS (empty signature).
 */
export function signCompact(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: CryptoKey | KeyObject,
  alg: string,
): string {
  const input = `${encodeJson(header)}.${encodeJson(payload)}`;
  if (header.alg === "none") return `${input}.`;
  const hash = HASHES[alg];
  if (hash === undefined) throw new TypeError(`scopegate/testing: unsupported alg "${alg}"`);
  const keyObject = key instanceof KeyObject ? key : KeyObject.from(key);
  if (keyObject.type !== "private") {
    throw new TypeError("scopegate/testing: signing needs a private key");
  }
  const signature = sign(hash, Buffer.from(input, "ascii"), {
    key: keyObject,
    dsaEncoding: "ieee-p1363",
    ...(alg.startsWith("PS")
      ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : {}),
  });
  return `${input}.${signature.toString("base64url")}`;
}
