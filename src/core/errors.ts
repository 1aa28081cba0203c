/**
 * Errors raised by scopegate. Every failure of a token check is an {@link AuthError}
 * with an HTTP `status`, an RFC 6750 / RFC 9449 `code`, a `description` that is safe to
 * send to the client (it never contains the token), and the response `headers`
 * (`WWW-Authenticate`, `Retry-After`, `DPoP-Nonce`) the RFCs call for.
 *
 * Switch on `code` or `reason`, never on the message text.
 */

/** The error codes of RFC 6750 §3.1, RFC 9449 §7 and RFC 9470 §3, plus the two non-challenge cases. */
export type AuthErrorCode =
  | "unauthorized"
  | "invalid_request"
  | "invalid_token"
  | "insufficient_scope"
  | "insufficient_user_authentication"
  | "invalid_dpop_proof"
  | "use_dpop_nonce"
  | "temporarily_unavailable"
  | "server_error";

/**
 * A finer, stable reason for metrics and logs (never sent as the `error` code).
 * New reasons may be added in minor versions.
 */
export type AuthErrorReason =
  | "missing_token"
  | "malformed_header"
  | "multiple_credentials"
  | "unsupported_scheme"
  | "token_too_large"
  | "malformed_token"
  | "encrypted_token"
  | "nested_token"
  | "wrong_token_type"
  | "algorithm_not_allowed"
  | "issuer_not_allowed"
  | "no_matching_key"
  | "invalid_signature"
  | "token_expired"
  | "token_not_yet_valid"
  | "token_issued_in_future"
  | "token_too_old"
  | "invalid_claims"
  | "audience_mismatch"
  | "id_token"
  | "opaque_token"
  | "token_inactive"
  | "missing_claim"
  | "claims_schema"
  | "unsupported_header"
  | "insufficient_scope"
  | "insufficient_permissions"
  | "claims_rejected"
  | "acr_not_satisfied"
  | "auth_time_missing"
  | "auth_too_old"
  | "organization_missing"
  | "organization_not_allowed"
  | "policy_denied"
  | "policy_failed"
  | "policy_timeout"
  | "dpop_required"
  | "dpop_disabled"
  | "dpop_bound_token_as_bearer"
  | "mtls_binding_required"
  | "mtls_certificate_missing"
  | "mtls_certificate_mismatch"
  | "dpop_proof"
  | "dpop_replay"
  | "dpop_nonce"
  | "key_source_unavailable"
  | "introspection_unavailable"
  | "replay_store_unavailable"
  | "replay_store_full"
  | "nonce_unavailable"
  | "resolver_unavailable"
  | "issuer_backoff"
  | "internal";

/** Options accepted by every {@link AuthError} constructor. */
export interface AuthErrorOptions {
  /** Stable machine-readable reason (see {@link AuthErrorReason}). */
  reason?: AuthErrorReason;
  /** The underlying error; kept for logs, never sent to the client. */
  cause?: unknown;
  /** Extra response headers (e.g. `DPoP-Nonce`). */
  headers?: Record<string, string>;
  /** The login asked for (RFC 9470 `acr_values` / `max_age` of the challenge). */
  authLevel?: AuthLevel | undefined;
}

/**
 * A login strength and freshness a resource asks for (RFC 9470): the token's `acr` must be
 * one of `acr`, and its `auth_time` at most `maxAge` seconds ago. Either may be left out.
 *
 * @example
 * ```ts
 * const level: AuthLevel = { acr: [AUTH0_MFA_ACR], maxAge: 300 };
 * ```
 */
export interface AuthLevel {
  /** Accepted `acr` values (any of them); sent as `acr_values="a b"` in the challenge. */
  readonly acr?: readonly string[] | undefined;
  /** Maximum age of the login in seconds (from `auth_time`); sent as `max_age=N`. */
  readonly maxAge?: number | undefined;
}

/** How challenges are written; set by `createAuth` from its options. */
export interface ChallengeOptions {
  /** `realm` of every challenge. @default "api" */
  realm: string;
  /** DPoP algorithms to advertise; `null` when the DPoP scheme is not accepted. */
  dpopAlgorithms: readonly string[] | null;
  /** Only the DPoP challenge is sent (DPoP mode `required`). */
  dpopOnly: boolean;
  /** RFC 9728 `resource_metadata` URL added to every challenge. */
  resourceMetadata?: string;
  /** The scheme the request used; the error is reported in that scheme's challenge. */
  scheme?: "Bearer" | "DPoP" | null;
}

const DEFAULT_CHALLENGE: ChallengeOptions = {
  realm: "api",
  dpopAlgorithms: null,
  dpopOnly: false,
};

/**
 * Base class of every token-check failure.
 *
 * @example
 * ```ts
 * try { await ctx.auth.require(); } catch (e) {
 *   if (e instanceof AuthError) res.writeHead(e.status, e.headers).end(JSON.stringify(e));
 * }
 * ```
 */
export class AuthError extends Error {
  /** The RFC error code of this class. */
  static readonly code: AuthErrorCode = "unauthorized";
  /** The HTTP status of this class. */
  static readonly status: number = 401;
  /** The RFC 6750 / 9449 error code (`"unauthorized"` when no credentials were sent). */
  readonly code: AuthErrorCode;
  /** HTTP status to answer with: 400, 401, 403, 500 or 503. */
  readonly status: number;
  /** Human-readable, client-safe description (never contains the token). */
  readonly description: string;
  /** Stable reason for metrics and logs. */
  readonly reason: AuthErrorReason;
  /** Scopes or permissions that were asked for (403 only). */
  readonly scope: readonly string[] | undefined;
  /**
   * The login the resource asks for (RFC 9470 §3): `acr_values` and / or `max_age` of the
   * challenge. Set on {@link InsufficientUserAuthenticationError} only.
   */
  readonly authLevel: AuthLevel | undefined;
  /** Response headers: `WWW-Authenticate`, and `Retry-After` / `DPoP-Nonce` when relevant. */
  headers: Record<string, string>;
  /** Extra headers given at construction (kept when challenges are rewritten). */
  readonly extraHeaders: Readonly<Record<string, string>>;
  private applied: ChallengeOptions | undefined;

  constructor(description: string, options: AuthErrorOptions = {}, scope?: readonly string[]) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as typeof AuthError;
    this.name = ctor.name;
    this.code = ctor.code;
    this.status = ctor.status;
    this.description = description;
    this.reason = options.reason ?? "internal";
    this.scope = scope;
    this.authLevel = options.authLevel;
    this.extraHeaders = options.headers ?? {};
    this.headers = {};
    this.applyChallenge(DEFAULT_CHALLENGE);
  }

  /**
   * Rewrites {@link AuthError.headers} for the given challenge settings. `createAuth` calls it
   * so that challenges advertise the configured realm and DPoP algorithms.
   */
  applyChallenge(options: ChallengeOptions): this {
    // A rejected request passes the same settings on every path (verification, require()).
    if (this.applied === options) return this;
    this.applied = options;
    const headers: Record<string, string> = { ...this.extraHeaders };
    const challenge = buildChallenge(this, options);
    if (challenge) headers["WWW-Authenticate"] = challenge;
    this.headers = headers;
    return this;
  }

  /** The RFC 6749 §5.2-style error body: `{ error, error_description }`. */
  toJSON(): { error: AuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** 401 — the request carried no credentials at all (RFC 6750 §3.1: the challenge has no error). */
export class UnauthorizedError extends AuthError {
  static override readonly code: AuthErrorCode = "unauthorized";
  static override readonly status: number = 401;
}

/** 400 `invalid_request` — a malformed Authorization header, two credentials, an unknown scheme. */
export class InvalidRequestError extends AuthError {
  static override readonly code: AuthErrorCode = "invalid_request";
  static override readonly status: number = 400;
}

/** 401 `invalid_token` — bad, expired, wrong-issuer or wrong-audience token. */
export class InvalidTokenError extends AuthError {
  static override readonly code: AuthErrorCode = "invalid_token";
  static override readonly status: number = 401;
}

/** 403 `insufficient_scope` — a valid token without the scopes or permissions asked for. */
export class InsufficientScopeError extends AuthError {
  static override readonly code: AuthErrorCode = "insufficient_scope";
  static override readonly status: number = 403;
}

/**
 * 401 `insufficient_user_authentication` (RFC 9470 §3) — a valid token, but the login behind
 * it is too weak (`acr`) or too old (`auth_time`). The challenge carries `acr_values="…"`
 * and / or `max_age=…` so the client can re-authorize with them.
 *
 * @example
 * ```ts
 * new InsufficientUserAuthenticationError("a multi-factor login is required", {
 *   reason: "acr_not_satisfied",
 *   authLevel: { acr: [AUTH0_MFA_ACR] },
 * });
 * ```
 */
export class InsufficientUserAuthenticationError extends AuthError {
  static override readonly code: AuthErrorCode = "insufficient_user_authentication";
  static override readonly status: number = 401;
}

/** 400 `invalid_dpop_proof` — the DPoP proof failed a check of RFC 9449 §4.3. */
export class InvalidDpopProofError extends AuthError {
  static override readonly code: AuthErrorCode = "invalid_dpop_proof";
  static override readonly status: number = 400;
}

/** 401 `use_dpop_nonce` — the proof lacks the current server nonce (RFC 9449 §9). */
export class UseDpopNonceError extends AuthError {
  static override readonly code: AuthErrorCode = "use_dpop_nonce";
  static override readonly status: number = 401;
}

/** 503 `temporarily_unavailable` — keys or discovery could not be fetched; has `Retry-After`. */
export class TemporarilyUnavailableError extends AuthError {
  static override readonly code: AuthErrorCode = "temporarily_unavailable";
  static override readonly status: number = 503;
}

/** 500 `server_error` — something unexpected inside the check; the cause is kept, never sent. */
export class ServerError extends AuthError {
  static override readonly code: AuthErrorCode = "server_error";
  static override readonly status: number = 500;
}

const CODES: ReadonlySet<string> = new Set<AuthErrorCode>([
  "unauthorized",
  "invalid_request",
  "invalid_token",
  "insufficient_scope",
  "insufficient_user_authentication",
  "invalid_dpop_proof",
  "use_dpop_nonce",
  "temporarily_unavailable",
  "server_error",
]);

/**
 * Whether `value` is an {@link AuthError}: by class, then by shape, so an error from a second
 * copy of scopegate (a bundle that inlined the core, a CJS/ESM pair) is recognised too.
 *
 * @example
 * ```ts
 * if (isAuthError(error.cause)) console.log(error.cause.reason);
 * ```
 */
export function isAuthError(value: unknown): value is AuthError {
  if (value instanceof AuthError) return true;
  if (!(value instanceof Error)) return false;
  const v = value as Partial<Record<keyof AuthError, unknown>>;
  return (
    typeof v.status === "number" &&
    typeof v.code === "string" &&
    CODES.has(v.code) &&
    typeof v.description === "string" &&
    typeof v.toJSON === "function" &&
    typeof v.headers === "object" &&
    v.headers !== null
  );
}

/** Every concrete error class, for exhaustive handling. */
export type AnyAuthError =
  | UnauthorizedError
  | InvalidRequestError
  | InvalidTokenError
  | InsufficientScopeError
  | InsufficientUserAuthenticationError
  | InvalidDpopProofError
  | UseDpopNonceError
  | TemporarilyUnavailableError
  | ServerError;

/**
 * Thrown by `createAuth` (and other factories) when an option is invalid. The message names
 * the option and the fix. It is a programmer error, not a request error, so it is not an
 * {@link AuthError}.
 */
export class ConfigurationError extends Error {
  /** Stable code for this class. */
  static readonly code = "ERR_SCOPEGATE_CONFIGURATION";
  /** Stable code for this class. */
  readonly code = ConfigurationError.code;
  /** The option path at fault, e.g. `"domain"` or `"cache.cooldown"` (the first one). */
  readonly option: string;
  /** Every bad option found, each with what is wrong and the fix (all at once). */
  readonly problems: readonly OptionProblem[];

  constructor(option: string, message: string) {
    super(`scopegate: ${option ? `${option}: ` : ""}${message}`);
    this.name = "ConfigurationError";
    this.option = option;
    this.problems = [{ option, message }];
  }

  /** One error for several problems: the message lists each on its own line. */
  static of(problems: readonly OptionProblem[]): ConfigurationError {
    const [first, ...rest] = problems;
    if (!first) return new ConfigurationError("", "invalid options");
    if (rest.length === 0) return new ConfigurationError(first.option, first.message);
    const error = new ConfigurationError(first.option, first.message);
    const lines = problems.map((p) => `  - ${p.option ? `${p.option}: ` : ""}${p.message}`);
    error.message = `scopegate: ${problems.length} invalid options:\n${lines.join("\n")}`;
    (error as { problems: readonly OptionProblem[] }).problems = problems;
    return error;
  }
}

/** One bad option of a {@link ConfigurationError}. */
export interface OptionProblem {
  /** The option path, e.g. `"domain"`, `"cache.cooldown"`, `"domains[1]"`. */
  readonly option: string;
  /** What is wrong and the fix. */
  readonly message: string;
}

/** Escapes a value for a quoted-string (RFC 9110 §5.6.4) and strips characters not allowed. */
export function quote(value: string): string {
  // error_description must be %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3); drop anything else.
  const safe = value.replace(/[^\x20-\x7e]/g, "").replace(/["\\]/g, "\\$&");
  return `"${safe}"`;
}

function buildChallenge(error: AuthError, options: ChallengeOptions): string | undefined {
  if (error.status === 500 || error.status === 503) return undefined;
  const errParams: string[] = [];
  if (error.code !== "unauthorized") {
    errParams.push(`error=${quote(error.code)}`);
    if (error.description) errParams.push(`error_description=${quote(error.description)}`);
    if (error.scope && error.scope.length > 0)
      errParams.push(`scope=${quote(error.scope.join(" "))}`);
    // RFC 9470 §3: what a new login must satisfy; max_age is a bare integer (a token).
    const level = error.authLevel;
    if (level?.acr && level.acr.length > 0)
      errParams.push(`acr_values=${quote(level.acr.join(" "))}`);
    if (level?.maxAge !== undefined) errParams.push(`max_age=${Math.floor(level.maxAge)}`);
  }
  const meta = options.resourceMetadata
    ? [`resource_metadata=${quote(options.resourceMetadata)}`]
    : [];
  const realm = `realm=${quote(options.realm)}`;
  const algs = options.dpopAlgorithms;
  if (!algs) return `Bearer ${[realm, ...errParams, ...meta].join(", ")}`;
  // RFC 9449 §7.1: the error goes in the challenge of the scheme the client used.
  const inDpop =
    options.dpopOnly ||
    options.scheme === "DPoP" ||
    error.code === "invalid_dpop_proof" ||
    error.code === "use_dpop_nonce";
  const dpop = `DPoP ${[...(inDpop ? errParams : []), `algs=${quote(algs.join(" "))}`, ...meta].join(", ")}`;
  if (options.dpopOnly) return dpop;
  const bearer = `Bearer ${[realm, ...(inDpop ? [] : errParams), ...meta].join(", ")}`;
  return `${bearer}, ${dpop}`;
}
