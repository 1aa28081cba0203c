import type { JWK } from "jose";
import { sha256b64u } from "./crypto.js";
import {
  InvalidDpopProofError,
  InvalidTokenError,
  TemporarilyUnavailableError,
  UseDpopNonceError,
} from "./errors.js";
import { keyFitsAlg, keyWithinBounds, thumbprint } from "./jwk.js";
import { type DecodedJws, decodeJws } from "./jws.js";
import { isPromiseLike, withDeadline } from "./maybe.js";
import { BoundedMemo } from "./memo.js";
import type { NonceProvider } from "./nonce.js";
import { normalizeHtu } from "./public-url.js";
import { type ReplayStore, ReplayStoreFullError } from "./replay.js";
import { UnusableKeyError, verifySignature } from "./signature.js";

/** DPoP settings after validation; internal. */
export interface ResolvedDpop {
  mode: "allowed" | "required" | "disabled";
  iatLeeway: number;
  iatOffset: number;
  algorithms: readonly string[];
  replayStore: ReplayStore;
  /** Seconds. */
  replayStoreTimeout: number;
  nonce: NonceProvider | undefined;
}

/** What a proof is checked against; internal. */
export interface ProofContext {
  proof: string;
  method: string | undefined;
  url: string | undefined;
  accessToken: string;
  /** `base64url(SHA-256(accessToken))` when already known (a proof of this token passed before). */
  ath?: string | undefined;
  /** The `cnf.jkt` of the verified access token. */
  jkt: string;
}

/** A proof that passed; internal. */
export interface CheckedProof {
  thumbprint: string;
  jti: string;
  htu: string;
  iat: number;
  /** The proof's `ath`, which equals `base64url(SHA-256(accessToken))`. */
  ath: string;
}

/** Largest DPoP proof accepted, in characters. */
const MAX_PROOF_LENGTH = 8 * 1024;
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** A proof header that passed every option-independent check, with its key's thumbprint. */
interface KnownProofHeader {
  header: Record<string, unknown>;
  alg: string;
  jwk: JWK;
  thumbprint: string;
}
/**
 * Proof headers seen in a proof whose signature verified, by header segment: a client signs
 * every proof with the same header (`typ`, `alg`, `jwk`), so its checks and thumbprint are
 * computed once. Bounded; only keys bound to a verified access token can enter.
 */
const MAX_PROOF_HEADERS = 1000;
const proofHeaders = new BoundedMemo<KnownProofHeader>(MAX_PROOF_HEADERS);

/** Normalised request URLs (`null`: not an http(s) URL), by the request's public URL. */
const requestUrls = new BoundedMemo<string | null>(256);

function normalizedRequestUrl(url: string): string | undefined {
  let n = requestUrls.get(url);
  if (n === undefined) {
    n = normalizeHtu(url) ?? null;
    requestUrls.set(url, n);
  }
  return n ?? undefined;
}

const bad = (description: string, cause?: unknown) =>
  new InvalidDpopProofError(description, { reason: "dpop_proof", cause });

async function signed(alg: string, jwk: JWK, jws: DecodedJws, tp?: string): Promise<boolean> {
  try {
    const r = verifySignature(alg, jwk, jws.signingInput, jws.signature, tp);
    return isPromiseLike(r) ? await r : r;
  } catch (cause) {
    if (cause instanceof UnusableKeyError)
      throw bad("DPoP proof jwk is not a usable public key", cause);
    throw cause;
  }
}

/**
 * Checks a DPoP proof (RFC 9449 §4.3 for a resource server, §7.1 `ath` and `cnf.jkt`),
 * everything but the replay check; internal. The proof key is compared with the token's
 * `jkt` before it is imported, and imported once per thumbprint.
 */
export async function checkProof(ctx: ProofContext, o: ResolvedDpop): Promise<CheckedProof> {
  const { proof } = ctx;
  if (proof.length > MAX_PROOF_LENGTH) throw bad("DPoP proof too large");
  const jws = decodeJws(proof, (segment) => proofHeaders.get(segment)?.header);
  if (typeof jws === "string" || jws.signature.length === 0) {
    throw bad("DPoP proof is not a compact JWS");
  }
  const { payload } = jws;
  const known = jws.headerKnown ? proofHeaders.get(jws.headerSegment) : undefined;
  const { alg, jwk, thumbprint: tp } = known ?? (await checkProofHeader(jws.header, o));
  // The one option-dependent header check, repeated for a remembered header.
  if (known && !o.algorithms.includes(alg)) throw bad("DPoP proof algorithm is not accepted");
  if (tp !== ctx.jkt) {
    // Not the bound key: refused before any signature work (RFC 9449 §4.3 permits either
    // order), so an attacker's key — say an RSA key with a huge exponent — costs a hash, not
    // a verification. The key is never imported or cached.
    throw new InvalidTokenError("DPoP proof key does not match the token binding", {
      reason: "dpop_proof",
    });
  }
  if (!(await signed(alg, jwk, jws, tp))) throw bad("DPoP proof signature is invalid");
  if (!known) proofHeaders.set(jws.headerSegment, { header: jws.header, alg, jwk, thumbprint: tp });

  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== "string" || jti === "" || jti.length > 512)
    throw bad("DPoP proof jti missing");
  if (typeof htm !== "string") throw bad("DPoP proof htm missing");
  if (typeof htu !== "string") throw bad("DPoP proof htu missing");
  if (iat === undefined) throw bad("DPoP proof iat missing");
  if (typeof iat !== "number" || !Number.isFinite(iat)) throw bad("invalid DPoP proof iat");
  if (ctx.method === undefined || htm !== ctx.method) {
    throw bad("DPoP proof htm does not match the request method");
  }
  const expected = ctx.url === undefined ? undefined : normalizedRequestUrl(ctx.url);
  const given = htu === ctx.url ? expected : normalizeHtu(htu);
  if (expected === undefined || given === undefined || given !== expected) {
    throw bad("DPoP proof htu does not match the request URL");
  }
  const now = Date.now() / 1000;
  if (iat > now + o.iatLeeway) throw bad("DPoP proof iat is in the future");
  if (iat < now - o.iatOffset) throw bad("DPoP proof is too old");
  if (typeof ath !== "string") throw bad("DPoP proof ath missing");
  const h = ctx.ath ?? sha256b64u(ctx.accessToken);
  if (ath !== (isPromiseLike(h) ? await h : h)) {
    throw bad("DPoP proof ath does not match the access token");
  }
  if (o.nonce) {
    if (typeof nonce !== "string" || !(await o.nonce.isValid(nonce))) {
      throw new UseDpopNonceError(
        typeof nonce === "string" ? "DPoP nonce is stale" : "DPoP nonce required",
        { reason: "dpop_nonce", headers: { "DPoP-Nonce": await o.nonce.current() } },
      );
    }
  }
  return { thumbprint: tp, jti, htu: given, iat, ath };
}

/** Every check of a proof header that does not depend on the request; throws on failure. */
async function checkProofHeader(
  header: Record<string, unknown>,
  o: ResolvedDpop,
): Promise<Omit<KnownProofHeader, "header">> {
  if (header.typ !== "dpop+jwt") throw bad("DPoP proof typ must be dpop+jwt");
  const alg = header.alg;
  if (typeof alg !== "string" || !o.algorithms.includes(alg)) {
    throw bad("DPoP proof algorithm is not accepted");
  }
  if (header.crit !== undefined || header.b64 !== undefined)
    throw bad("unsupported DPoP proof header");
  const jwk = header.jwk as JWK | undefined;
  if (
    typeof jwk !== "object" ||
    jwk === null ||
    Array.isArray(jwk) ||
    typeof jwk.kty !== "string"
  ) {
    throw bad("DPoP proof has no jwk header");
  }
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw bad("DPoP proof jwk must be a public key");
  if (!keyFitsAlg(jwk, alg)) throw bad("DPoP proof jwk does not fit its algorithm");
  if (!keyWithinBounds(jwk)) throw bad("DPoP proof jwk is outside the accepted key sizes");
  const t = thumbprint(jwk);
  const tp = isPromiseLike(t) ? await t : t;
  if (tp === undefined) throw bad("DPoP proof jwk is not a usable public key");
  return { alg, jwk, thumbprint: tp };
}

/** Records the proof in the replay store; a replay is a 400 `invalid_dpop_proof`. */
export async function rememberProof(p: CheckedProof, o: ResolvedDpop): Promise<void> {
  const hashed = sha256b64u(`${p.htu} ${p.jti}`);
  const key = `dpop:${isPromiseLike(hashed) ? await hashed : hashed}`;
  // Skew-safe: a proof is acceptable while iat ≥ now − iatOffset and iat ≤ now + iatLeeway,
  // so it is remembered for iatOffset + iatLeeway from now — never a negative TTL.
  const ttl = Math.ceil(o.iatOffset + o.iatLeeway);
  let fresh: boolean;
  try {
    fresh = await withDeadline(
      o.replayStore.add(key, ttl),
      o.replayStoreTimeout,
      "the replay store",
    );
  } catch (cause) {
    if (cause instanceof ReplayStoreFullError) {
      throw new TemporarilyUnavailableError("the DPoP replay store is full; retry later", {
        reason: "replay_store_full",
        cause,
        headers: { "Retry-After": String(Math.max(1, cause.retryAfterSeconds)) },
      });
    }
    throw new TemporarilyUnavailableError("the DPoP replay store is temporarily unavailable", {
      reason: "replay_store_unavailable",
      cause,
      headers: { "Retry-After": "1" },
    });
  }
  if (!fresh) {
    throw new InvalidDpopProofError("DPoP proof was already used", { reason: "dpop_replay" });
  }
}
