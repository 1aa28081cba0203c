import { checkProof, rememberProof } from "./dpop.js";
import { InvalidDpopProofError, InvalidRequestError, InvalidTokenError } from "./errors.js";
import { isPromiseLike, type MaybePromise } from "./maybe.js";
import type { ResolvedOptions } from "./options.js";
import { publicUrlOf } from "./public-url.js";
import type { RequestView } from "./request.js";
import type { Credentials } from "./token.js";
import type { AccessTokenClaims } from "./types.js";
import type { Verified, Verifier } from "./verify.js";

/**
 * `base64url(SHA-256(token))` by verification object: a verified token's `ath` is computed
 * once, not on every proof. Weak: it lives exactly as long as the cached verification.
 */
const aths = new WeakMap<Verified, string>();

/** A verification plus the headers a successful response should carry; internal. */
export interface Checked extends Verified {
  /** E.g. a fresh `DPoP-Nonce`. */
  responseHeaders?: Record<string, string> | undefined;
}

/**
 * The whole check of one request's credentials: scheme rules of the DPoP mode, the DPoP
 * proof, the access token, the `cnf.jkt` binding, the replay store; internal.
 */
export function checkCredentials(
  credentials: Credentials,
  view: RequestView | undefined,
  o: ResolvedOptions,
  verifier: Verifier,
): MaybePromise<Checked> {
  const d = o.dpop;
  const proofHeader = view?.headers("dpop");
  if (credentials.scheme !== "Bearer")
    return checkDpop(credentials, view, o, verifier, proofHeader);
  if (d.mode === "required") {
    throw new InvalidRequestError("DPoP-bound access token required; use the DPoP scheme", {
      reason: "dpop_required",
    });
  }
  if (d.mode === "allowed" && proofHeader !== undefined) {
    throw new InvalidRequestError("DPoP proof sent with the Bearer scheme; use the DPoP scheme", {
      reason: "malformed_header",
    });
  }
  // Synchronous when the verification is (a cached token, or keys at hand with node:crypto).
  const verified = verifier.verify(credentials.token, view, credentials.jwsShaped);
  if (isPromiseLike(verified)) return Promise.resolve(verified).then((v) => asBearer(v, d.mode));
  return asBearer(verified, d.mode);
}

/** A token bound to a DPoP key (`cnf.jkt`) is refused as a Bearer token unless DPoP is off. */
function asBearer(verified: Verified, mode: ResolvedOptions["dpop"]["mode"]): Verified {
  if (mode !== "disabled" && (verified.payload as AccessTokenClaims).cnf?.jkt !== undefined) {
    throw new InvalidTokenError("DPoP-bound access token sent with the Bearer scheme", {
      reason: "dpop_bound_token_as_bearer",
    });
  }
  return verified;
}

/** The DPoP scheme: the proof, the access token, its `cnf.jkt` binding, the replay store. */
async function checkDpop(
  credentials: Credentials,
  view: RequestView | undefined,
  o: ResolvedOptions,
  verifier: Verifier,
  proofHeader: string | string[] | undefined,
): Promise<Checked> {
  const d = o.dpop;
  if (d.mode === "disabled") {
    throw new InvalidRequestError("the DPoP scheme is not accepted; use Bearer", {
      reason: "dpop_disabled",
    });
  }
  if (proofHeader === undefined) {
    throw new InvalidDpopProofError("missing DPoP proof", { reason: "dpop_proof" });
  }
  // Exactly one DPoP header: distinct Node values arrive as an array, Fetch joins them with ", ".
  if (Array.isArray(proofHeader) || proofHeader.includes(",")) {
    throw new InvalidDpopProofError("more than one DPoP proof", { reason: "dpop_proof" });
  }
  const verified = await verifier.verify(credentials.token, view, credentials.jwsShaped);
  const jkt = (verified.payload as AccessTokenClaims).cnf?.jkt;
  if (typeof jkt !== "string") {
    throw new InvalidTokenError("access token is not DPoP-bound", { reason: "dpop_proof" });
  }
  const proof = await checkProof(
    {
      proof: proofHeader.trim(),
      method: view?.method,
      url: view ? publicUrlOf(view, o) : undefined,
      accessToken: credentials.token,
      ath: aths.get(verified),
      jkt,
    },
    d,
  );
  await rememberProof(proof, d);
  // The verification object is this exact token's (cached or shared), so its hash is too.
  aths.set(verified, proof.ath);
  if (!d.nonce) return verified;
  return { ...verified, responseHeaders: { "DPoP-Nonce": await d.nonce.current() } };
}
