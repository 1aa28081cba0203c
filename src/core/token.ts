import {
  type AuthError,
  InvalidRequestError,
  InvalidTokenError,
  UnauthorizedError,
} from "./errors.js";
import type { RequestView } from "./request.js";

/** Largest access token accepted, in characters; checked before any decoding. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** The credentials of a request; internal. */
export interface Credentials {
  scheme: "Bearer" | "DPoP";
  token: string;
  /**
   * Set when the token was found to be three base64url segments (a compact JWS shape), so the
   * JWS decoder need not scan its characters again.
   */
  jwsShaped?: boolean;
}

/** Either credentials or the error explaining why there are none; internal. */
export type Extraction = { ok: true; credentials: Credentials } | { ok: false; error: AuthError };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// Three unpadded base64url segments: a compact JWS (a subset of b64token).
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether `s` is an RFC 6750 b64token. */
export function isB64Token(s: string): boolean {
  // V8's regular expression beats a hand-written table scan here (measured in bench/profile).
  return B64TOKEN.test(s);
}
// RFC 9110 §11.1 auth-scheme = token
const SCHEME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const fail = (error: AuthError): Extraction => ({ ok: false, error });

/**
 * Reads the access token from the `Authorization` header (RFC 6750 §2.1, RFC 9449 §7.1) or,
 * for WebSocket/SSE subscriptions without headers, from `connectionParams`.
 * Never from the query string or the body (RFC 9700 §4.3.2).
 */
export function extractCredentials(
  view: RequestView | undefined,
  isKnownToken?: (token: string) => boolean,
): Extraction {
  const header = view?.headers("authorization");
  // A token already verified (and so already found well-formed) skips the syntax scan.
  if (isKnownToken && typeof header === "string") {
    const scheme = header.startsWith("Bearer ")
      ? "Bearer"
      : header.startsWith("DPoP ")
        ? "DPoP"
        : undefined;
    const token = scheme && header.slice(scheme.length + 1);
    if (scheme && token && isKnownToken(token)) return { ok: true, credentials: { scheme, token } };
  }
  if (Array.isArray(header)) {
    if (header.length > 1) {
      return fail(
        new InvalidRequestError("more than one Authorization header", {
          reason: "multiple_credentials",
        }),
      );
    }
    return parseAuthorization(header[0] ?? "");
  }
  if (header !== undefined) return parseAuthorization(header);
  const params = view?.connectionParams;
  if (params) {
    const auth = params.authorization ?? params.Authorization;
    if (typeof auth === "string") return parseAuthorization(auth);
    if (typeof params.token === "string") return parseAuthorization(`Bearer ${params.token}`);
  }
  return fail(new UnauthorizedError("authentication required", { reason: "missing_token" }));
}

/** Parses one `Authorization` header value. */
export function parseAuthorization(value: string): Extraction {
  // Fast path for the common exact form `Bearer <token>`.
  if (value.startsWith("Bearer ") && value.length <= MAX_TOKEN_LENGTH + 7) {
    const token = value.slice(7);
    // One scan for the common case: a JWS shape is a b64token, and the decoder needs no other.
    if (JWS_SHAPE.test(token)) {
      return { ok: true, credentials: { scheme: "Bearer", token, jwsShaped: true } };
    }
    if (isB64Token(token)) return { ok: true, credentials: { scheme: "Bearer", token } };
  }
  if (value.length > MAX_TOKEN_LENGTH + 16) {
    return fail(new InvalidTokenError("access token too large", { reason: "token_too_large" }));
  }
  const trimmed = value.trim();
  if (trimmed === "") {
    return fail(
      new InvalidRequestError("empty Authorization header", { reason: "malformed_header" }),
    );
  }
  const space = trimmed.indexOf(" ");
  const scheme = space === -1 ? trimmed : trimmed.slice(0, space);
  if (!SCHEME.test(scheme)) {
    return fail(
      new InvalidRequestError("malformed Authorization header", { reason: "malformed_header" }),
    );
  }
  const lower = scheme.toLowerCase();
  if (lower !== "bearer" && lower !== "dpop") {
    return fail(
      new InvalidRequestError("unsupported authorization scheme; use Bearer or DPoP", {
        reason: "unsupported_scheme",
      }),
    );
  }
  const token = space === -1 ? "" : trimmed.slice(space + 1).replace(/^ +/, "");
  if (token === "") {
    return fail(new InvalidRequestError("missing access token", { reason: "malformed_header" }));
  }
  if (!isB64Token(token)) {
    return fail(
      new InvalidRequestError(
        token.includes(" ") || token.includes(",")
          ? "malformed Authorization header: one credential expected"
          : "malformed access token: characters outside RFC 6750 b64token",
        { reason: token.includes(",") ? "multiple_credentials" : "malformed_header" },
      ),
    );
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    return fail(new InvalidTokenError("access token too large", { reason: "token_too_large" }));
  }
  return { ok: true, credentials: { scheme: lower === "dpop" ? "DPoP" : "Bearer", token } };
}
