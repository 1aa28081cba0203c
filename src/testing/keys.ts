import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from "jose";
import { randomId } from "./jws.js";
import type { TestAlg } from "./types.js";

/** An issuer signing key: the private key and its published public JWK. */
export interface SigningKey {
  readonly alg: TestAlg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** Public JWK with `kid`, `alg` and `use: "sig"`. */
  readonly publicJwk: JWK;
}

/** Generates a signing key for `alg` (RSA 2048; Ed25519 for "EdDSA" and "Ed25519"). */
export async function generateSigningKey(alg: TestAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomId();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicJwk };
}

/** The public members of a JWK, per key type (RFC 7518 §6). */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ["kty", "n", "e"],
  EC: ["kty", "crv", "x", "y"],
  OKP: ["kty", "crv", "x"],
};

/**
 * Imports a private signing JWK given in `TestIssuerOptions.keys` (`where` names it in errors):
 * it must carry a supported `alg` and its private members; `kid` defaults to the RFC 7638
 * thumbprint of its public part.
 */
export async function importSigningKey(jwk: JWK, where: string): Promise<SigningKey> {
  const fail = (why: string): never => {
    throw new TypeError(`scopegate/testing: ${where} ${why}`);
  };
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) fail("must be a JWK object");
  const alg = jwk.alg as TestAlg | undefined;
  if (typeof alg !== "string" || !SIGNING_ALGORITHMS.includes(alg)) {
    fail(`needs an alg, one of ${SIGNING_ALGORITHMS.join(", ")} (got ${JSON.stringify(jwk.alg)})`);
  }
  const members = PUBLIC_MEMBERS[String(jwk.kty)];
  if (!members) fail(`has an unsupported kty ${JSON.stringify(jwk.kty)} (RSA, EC or OKP)`);
  if (typeof jwk.d !== "string") fail("is not a private key (no d member)");
  if (jwk.kid !== undefined && (typeof jwk.kid !== "string" || jwk.kid === "")) {
    fail("has a kid that is not a non-empty string");
  }
  let imported: Awaited<ReturnType<typeof importJWK>>;
  try {
    imported = await importJWK({ ...jwk, ext: true }, alg, { extractable: true });
  } catch (error) {
    return fail(`is not a usable ${alg} key: ${error instanceof Error ? error.message : error}`);
  }
  if (imported instanceof Uint8Array) return fail(`is not an asymmetric ${alg} key`);
  const publicPart: JWK = Object.fromEntries(
    (members ?? []).flatMap((name) => (name in jwk ? [[name, jwk[name as keyof JWK]]] : [])),
  );
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicPart, "sha256"));
  return {
    alg: alg as TestAlg,
    kid,
    privateKey: imported,
    publicJwk: { ...publicPart, kid, alg, use: "sig" },
  };
}

/**
 * The issuer's keys: one current key per algorithm, generated lazily (concurrent callers share
 * one generation), plus the replaced keys still published after `rotate(true)`.
 */
export class KeyStore {
  /** Current key per alg, as a promise so that concurrent first uses generate one key. */
  #pending = new Map<TestAlg, Promise<SigningKey>>();
  /** Current keys that finished generating, in generation order (the served JWKS). */
  #current = new Map<TestAlg, SigningKey>();
  /** Replaced keys still served (keepPrevious), and given keys that are not current. */
  #previous: SigningKey[] = [];

  /**
   * `given` keys (from `TestIssuerOptions.keys`): the first of each alg becomes that alg's
   * current key; later ones of the same alg are published only (tokens they signed verify).
   */
  constructor(given: readonly SigningKey[] = []) {
    for (const key of given) {
      if (this.#current.has(key.alg)) {
        this.#previous.push(key);
      } else {
        this.#pending.set(key.alg, Promise.resolve(key));
        this.#current.set(key.alg, key);
      }
    }
  }

  /** The current key for `alg`, generating it on first use. */
  get(alg: TestAlg): Promise<SigningKey> {
    const existing = this.#pending.get(alg);
    if (existing) return existing;
    const created = generateSigningKey(alg).then(
      (key) => {
        if (this.#pending.get(alg) === created) this.#current.set(alg, key);
        return key;
      },
      (error: unknown) => {
        if (this.#pending.get(alg) === created) this.#pending.delete(alg);
        throw error;
      },
    );
    this.#pending.set(alg, created);
    return created;
  }

  /** Replaces the key of every algorithm used so far. */
  async rotate(keepPrevious: boolean): Promise<void> {
    const algs = [...this.#pending.keys()];
    const old = await Promise.allSettled([...this.#pending.values()]);
    const fresh = await Promise.all(algs.map((alg) => generateSigningKey(alg)));
    const replaced = old.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    this.#previous = keepPrevious ? [...replaced, ...this.#previous] : [];
    for (const key of fresh) {
      this.#pending.set(key.alg, Promise.resolve(key));
      this.#current.set(key.alg, key);
    }
  }

  /** The public JWKS currently served: current keys first, then kept previous keys. */
  jwks(): { keys: JWK[] } {
    const keys = [...this.#current.values(), ...this.#previous];
    return { keys: keys.map((key) => ({ ...key.publicJwk })) };
  }
}

/** Every JWS algorithm the test issuer signs with (and accepts for DPoP proofs). */
export const SIGNING_ALGORITHMS: readonly TestAlg[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];
