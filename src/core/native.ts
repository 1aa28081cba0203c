import type * as NodeCrypto from "node:crypto";
import type { KeyObject } from "node:crypto";
import { KEYS, MESSAGE, SIGNATURES } from "./native-vectors.js";
import { nodeCrypto } from "./node-crypto.js";

/** node:crypto parameters of each JWS algorithm; internal. */
export interface NativeParams {
  hash: string | null;
  padding?: number;
  saltLength?: number;
  /** Length of an ECDSA signature in IEEE P1363 form. */
  ec?: number;
}

/** The algorithms the node:crypto path verifies; anything else goes through jose. */
export const NATIVE_PARAMS: Readonly<Record<string, NativeParams>> = {
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

/**
 * The one node:crypto signature call of the library: the self-test runs exactly this, so a
 * runtime whose `crypto.verify` does not take this form (workerd's `nodejs_compat`) never
 * reaches the request path. Throws whatever node:crypto throws; the caller decides.
 */
export function nativeVerify(
  c: typeof NodeCrypto,
  p: NativeParams,
  key: KeyObject,
  data: string,
  signature: Uint8Array,
): boolean {
  return c.verify(
    p.hash,
    Buffer.from(data),
    {
      key,
      padding: p.padding,
      saltLength: p.saltLength,
      dsaEncoding: p.ec !== undefined ? "ieee-p1363" : undefined,
    },
    signature,
  );
}

/** base64url SHA-256 through node:crypto; the self-test runs this too. */
export function nativeSha256(c: typeof NodeCrypto, value: string): string {
  return c.createHash("sha256").update(value).digest("base64url");
}

/** HMAC-SHA-256 through node:crypto; the self-test runs this too. */
export function nativeHmac(c: typeof NodeCrypto, key: Uint8Array, data: Uint8Array): Uint8Array {
  return c.createHmac("sha256", key).update(data).digest();
}

const VECTOR_KEY = { RS256: "RSA", PS256: "RSA", ES256: "EC", EdDSA: "OKP" } as const;
// SHA-256("abc") (FIPS 180-2) and HMAC-SHA-256 of RFC 4231 test case 2.
const SHA256_ABC = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0";
const HMAC_JEFE = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

/** Why the node:crypto path was not taken (for diagnostics and tests); internal. */
export interface NativeStatus {
  backend: "node:crypto" | "webcrypto";
  /** Present when node:crypto exists but failed the self-test. */
  reason?: string;
  cause?: unknown;
}

let status: NativeStatus | undefined;
/** `null` once the self-test chose WebCrypto. */
let chosen: typeof NodeCrypto | null | undefined;

/**
 * Runs every native primitive on known answers: each vector must verify, the same vector over
 * another message must not, and the hashes must match. Any exception or wrong answer means
 * "this runtime's node:crypto is not the one we know".
 */
function selfTest(c: typeof NodeCrypto): NativeStatus {
  try {
    const keys = new Map<string, KeyObject>();
    for (const [alg, family] of Object.entries(VECTOR_KEY)) {
      let key = keys.get(family);
      if (!key) {
        key = c.createPublicKey({ key: KEYS[family], format: "jwk" });
        keys.set(family, key);
      }
      const p = NATIVE_PARAMS[alg] as NativeParams;
      const sig = Buffer.from(SIGNATURES[alg as keyof typeof SIGNATURES], "base64url");
      if (nativeVerify(c, p, key, MESSAGE, sig) !== true) {
        return { backend: "webcrypto", reason: `${alg} does not verify a known signature` };
      }
      if (nativeVerify(c, p, key, `${MESSAGE}!`, sig) !== false) {
        return { backend: "webcrypto", reason: `${alg} accepts a signature of another message` };
      }
    }
    if (nativeSha256(c, "abc") !== SHA256_ABC) {
      return { backend: "webcrypto", reason: "SHA-256 gives a wrong digest" };
    }
    const enc = new TextEncoder();
    const mac = nativeHmac(c, enc.encode("Jefe"), enc.encode("what do ya want for nothing?"));
    if (Buffer.from(mac).toString("hex") !== HMAC_JEFE) {
      return { backend: "webcrypto", reason: "HMAC-SHA-256 gives a wrong result" };
    }
    return { backend: "node:crypto" };
  } catch (cause) {
    return { backend: "webcrypto", reason: "node:crypto threw during the self-test", cause };
  }
}

/** Which crypto backend this runtime uses; runs the one-time self-test on first call. Internal. */
export function nativeStatus(): NativeStatus {
  if (!status) status = nodeCrypto ? selfTest(nodeCrypto) : { backend: "webcrypto" };
  return status;
}

/**
 * node:crypto when the runtime has it **and** it passed the self-test, else `undefined`
 * (then every signature, hash and HMAC goes through jose / WebCrypto). Internal.
 */
export function native(): typeof NodeCrypto | undefined {
  if (chosen === undefined) {
    chosen = nativeStatus().backend === "node:crypto" ? (nodeCrypto ?? null) : null;
  }
  return chosen ?? undefined;
}
