import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { sha256b64u } from "./crypto.js";
import { InvalidDpopProofError, TemporarilyUnavailableError, UseDpopNonceError } from "./errors.js";
import type { NonceProvider } from "./nonce.js";
import { normalizeHtu } from "./public-url.js";
import type { ReplayStore } from "./replay.js";

/** DPoP settings after validation; internal. */
export interface ResolvedDpop {
  mode: "allowed" | "required" | "disabled";
  iatLeeway: number;
  iatOffset: number;
  algorithms: readonly string[];
  replayStore: ReplayStore;
  nonce: NonceProvider | undefined;
}

/** What a proof is checked against; internal. */
export interface ProofContext {
  proof: string;
  method: string | undefined;
  url: string | undefined;
  accessToken: string;
}

/** A proof that passed; internal. */
export interface CheckedProof {
  thumbprint: string;
  jti: string;
  htu: string;
  iat: number;
}

/** Largest DPoP proof accepted, in characters. */
const MAX_PROOF_LENGTH = 8 * 1024;
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const bad = (description: string, cause?: unknown) =>
  new InvalidDpopProofError(description, { reason: "dpop_proof", cause });

/**
 * Checks a DPoP proof (RFC 9449 §4.3 steps 1–11 for a resource server, §7.1 `ath`) except
 * the `cnf.jkt` binding and the replay check, which need the verified token; internal.
 */
export async function checkProof(ctx: ProofContext, o: ResolvedDpop): Promise<CheckedProof> {
  const { proof } = ctx;
  if (proof.length > MAX_PROOF_LENGTH) throw bad("DPoP proof too large");
  if (!COMPACT_JWS.test(proof)) throw bad("DPoP proof is not a compact JWS");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch (cause) {
    throw bad("malformed DPoP proof header", cause);
  }
  if (header.typ !== "dpop+jwt") throw bad("DPoP proof typ must be dpop+jwt");
  if (typeof header.alg !== "string" || !o.algorithms.includes(header.alg)) {
    throw bad("DPoP proof algorithm is not accepted");
  }
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

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: "dpop+jwt",
      algorithms: [...o.algorithms],
    }));
  } catch (cause) {
    if (cause instanceof errors.JWSSignatureVerificationFailed) {
      throw bad("DPoP proof signature is invalid", cause);
    }
    throw bad("invalid DPoP proof", cause);
  }
  const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown>;
  if (typeof jti !== "string" || jti === "" || jti.length > 512)
    throw bad("DPoP proof jti missing");
  if (typeof htm !== "string") throw bad("DPoP proof htm missing");
  if (typeof htu !== "string") throw bad("DPoP proof htu missing");
  if (typeof iat !== "number" || !Number.isFinite(iat)) throw bad("DPoP proof iat missing");
  if (ctx.method === undefined || htm !== ctx.method)
    throw bad("DPoP proof htm does not match the request method");
  const expected = ctx.url === undefined ? undefined : normalizeHtu(ctx.url);
  const given = normalizeHtu(htu);
  if (expected === undefined || given === undefined || given !== expected) {
    throw bad("DPoP proof htu does not match the request URL");
  }
  const now = Date.now() / 1000;
  if (iat > now + o.iatLeeway) throw bad("DPoP proof iat is in the future");
  if (iat < now - o.iatOffset) throw bad("DPoP proof is too old");
  if (typeof ath !== "string") throw bad("DPoP proof ath missing");
  if (ath !== sha256b64u(ctx.accessToken))
    throw bad("DPoP proof ath does not match the access token");
  if (o.nonce) {
    if (typeof nonce !== "string" || !(await o.nonce.isValid(nonce))) {
      throw new UseDpopNonceError(
        typeof nonce === "string" ? "DPoP nonce is stale" : "DPoP nonce required",
        { reason: "dpop_nonce", headers: { "DPoP-Nonce": await o.nonce.current() } },
      );
    }
  }
  const thumbprint = await calculateJwkThumbprint(jwk, "sha256");
  return { thumbprint, jti, htu: given, iat };
}

/** Records the proof in the replay store; a replay is a 400 `invalid_dpop_proof`. */
export async function rememberProof(p: CheckedProof, o: ResolvedDpop): Promise<void> {
  const key = `dpop:${sha256b64u(`${p.htu} ${p.jti}`)}`;
  const ttl = Math.ceil(o.iatOffset + o.iatLeeway);
  let fresh: boolean;
  try {
    fresh = await o.replayStore.add(key, ttl);
  } catch (cause) {
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
