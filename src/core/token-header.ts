import type { ProtectedHeaderParameters } from "jose";
import { type AuthError, InvalidTokenError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

const ACCESS_TOKEN_TYPES = new Set(["jwt", "at+jwt"]);

const invalid = (description: string, reason: AuthError["reason"]) =>
  new InvalidTokenError(description, { reason });

/**
 * The checks of an access token's JOSE header, which depend only on the options (so a header
 * that passed once passes again: callers remember it by its segment); internal. Refuses an
 * algorithm that is not accepted, a malformed `kid`, a `typ` that is not an access token
 * (`at+jwt` required in `strict` mode, RFC 9068), `cty` (nested tokens) and any JWS extension.
 */
export function checkAccessTokenHeader(
  header: Record<string, unknown>,
  o: Pick<ResolvedOptions, "algorithms" | "strict">,
): ProtectedHeaderParameters {
  const { alg, typ, cty, kid, crit, b64 } = header;
  if (typeof alg !== "string" || !o.algorithms.includes(alg)) {
    throw invalid("token algorithm is not accepted", "algorithm_not_allowed");
  }
  if (kid !== undefined && (typeof kid !== "string" || kid.length > 256)) {
    throw invalid("malformed token header: bad kid", "malformed_token");
  }
  const type = typeof typ === "string" ? typ.toLowerCase().replace(/^application\//, "") : typ;
  if (type !== undefined && (typeof type !== "string" || !ACCESS_TOKEN_TYPES.has(type))) {
    throw invalid("token type is not an access token", "wrong_token_type");
  }
  if (o.strict && type !== "at+jwt") {
    throw invalid("token type must be at+jwt (RFC 9068)", "wrong_token_type");
  }
  if (cty !== undefined) {
    throw invalid("nested or content-typed tokens are not accepted", "nested_token");
  }
  // No JWS extension is understood, so any crit (RFC 7515 §4.1.11) or b64 (RFC 7797) is refused.
  if (crit !== undefined || b64 !== undefined) {
    throw invalid("unsupported token header", "unsupported_header");
  }
  return header as ProtectedHeaderParameters;
}
