import { InvalidTokenError } from "./errors.js";

/** Settings of the registered-claim checks; internal. */
export interface ClaimRules {
  audience: readonly string[];
  clockTolerance: number;
  maxTokenAge: number | undefined;
  required: readonly string[];
}

const invalid = (description: string, reason: InvalidTokenError["reason"]) =>
  new InvalidTokenError(description, { reason });

const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * RFC 7519 §4.1 checks of a verified payload: required claims present, `exp` (required),
 * `nbf`, `iat` (not in the future; `maxTokenAge`), `aud` (any of). Throws the 401.
 */
export function checkClaims(
  payload: Record<string, unknown>,
  rules: ClaimRules,
  now: number,
): void {
  for (const name of rules.required) {
    if (payload[name] === undefined)
      throw invalid(`missing required claim ${name}`, "missing_claim");
  }
  const tol = rules.clockTolerance;
  const { exp, nbf, iat, aud } = payload;
  if (exp === undefined) throw invalid("missing required claim exp", "missing_claim");
  if (!isTime(exp)) throw invalid("invalid exp claim", "invalid_claims");
  if (exp <= now - tol) throw invalid("token expired", "token_expired");
  if (nbf !== undefined) {
    if (!isTime(nbf)) throw invalid("invalid nbf claim", "invalid_claims");
    if (nbf > now + tol) throw invalid("token is not yet valid", "token_not_yet_valid");
  }
  if (iat !== undefined) {
    if (!isTime(iat)) throw invalid("invalid iat claim", "invalid_claims");
    if (iat > now + tol) throw invalid("token issued in the future", "token_issued_in_future");
    if (rules.maxTokenAge !== undefined && now - iat - tol > rules.maxTokenAge) {
      throw invalid("token is too old", "token_too_old");
    }
  }
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (!audiences?.some((a) => typeof a === "string" && rules.audience.includes(a))) {
    // An ID token carries the client id as aud and OIDC-only claims: say so, it is the most
    // common mix-up. The expected audience is configuration, not a secret.
    if (
      payload.nonce !== undefined ||
      payload.at_hash !== undefined ||
      payload.auth_time !== undefined
    ) {
      throw invalid("this looks like an ID token; send the access token instead", "id_token");
    }
    throw invalid(
      `token audience is not accepted; expected ${rules.audience.join(" or ")}`,
      "audience_mismatch",
    );
  }
}
