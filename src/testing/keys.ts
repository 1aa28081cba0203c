import { type CryptoKey, exportJWK, generateKeyPair, type JWK } from "jose";
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

/**
 * The issuer's keys: one current key per algorithm, generated lazily (concurrent callers share
 * one generation), plus the replaced keys still published after `rotate(true)`.
 */
export class KeyStore {
  /** Current key per alg, as a promise so that concurrent first uses generate one key. */
  #pending = new Map<TestAlg, Promise<SigningKey>>();
  /** Current keys that finished generating, in generation order (the served JWKS). */
  #current = new Map<TestAlg, SigningKey>();
  /** Replaced keys still served (keepPrevious). */
  #previous: SigningKey[] = [];

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
