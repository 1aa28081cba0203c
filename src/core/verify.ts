import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyResult,
  jwtVerify,
  type ProtectedHeaderParameters,
} from "jose";
import { AuthError, InvalidTokenError, ServerError } from "./errors.js";
import { type KeySet, KeySource } from "./keys.js";
import type { ResolvedOptions } from "./options.js";
import type { RequestView } from "./request.js";
import { readPermissions, readScopes } from "./scopes.js";

/** The outcome of a successful verification; internal. */
export interface Verified {
  /** The payload after the `claims` schema (or the raw payload without one). */
  claims: unknown;
  payload: JWTPayload;
  header: ProtectedHeaderParameters;
  issuer: string;
  scopes: ReadonlySet<string>;
  permissions: ReadonlySet<string>;
}

const invalid = (description: string, reason: AuthError["reason"], cause?: unknown) =>
  new InvalidTokenError(description, { reason, cause });

const ACCESS_TOKEN_TYPES = new Set(["jwt", "at+jwt"]);
const STRICT_CLAIMS = ["client_id", "jti", "sub", "iat"];

/** Verifies JWT access tokens against the configured issuers; internal. */
export class Verifier {
  private readonly sources = new Map<string, KeySource>();
  private readonly required: string[];

  constructor(private readonly o: ResolvedOptions) {
    const req = new Set(["exp", ...o.requiredClaims, ...(o.strict ? STRICT_CLAIMS : [])]);
    if (o.maxTokenAge !== undefined) req.add("iat");
    this.required = [...req];
  }

  /** The key source of an issuer (created on first use; never for an unlisted issuer). */
  source(issuer: string): KeySource {
    let s = this.sources.get(issuer);
    if (!s) {
      s = new KeySource(issuer, this.o);
      this.sources.set(issuer, s);
    }
    return s;
  }

  /** Every key source created so far. */
  allSources(): IterableIterator<KeySource> {
    return this.sources.values();
  }

  /** Verifies a token; rejects with an {@link AuthError} only. */
  async verify(token: string, view: RequestView | undefined): Promise<Verified> {
    try {
      return await this.run(token, view);
    } catch (error) {
      if (error instanceof AuthError) throw error;
      const mapped = mapJoseError(error);
      if (mapped) throw mapped;
      throw new ServerError("internal error while checking the access token", {
        reason: "internal",
        cause: error,
      });
    }
  }

  private async run(token: string, view: RequestView | undefined): Promise<Verified> {
    const parts = token.split(".");
    if (parts.length === 5) {
      throw invalid("encrypted tokens (JWE) are not accepted", "encrypted_token");
    }
    if (parts.length !== 3) throw invalid("malformed token: not a JWS", "malformed_token");
    const header = this.checkHeader(token);
    let payload: JWTPayload;
    try {
      payload = decodeJwt(token);
    } catch (cause) {
      throw invalid("malformed token payload", "malformed_token", cause);
    }
    const iss = payload.iss;
    if (typeof iss !== "string" || iss === "") {
      throw invalid("token has no issuer", "issuer_not_allowed");
    }
    const allowed = this.o.issuers ?? (await this.resolveIssuers(view, iss));
    if (!allowed.includes(iss)) throw invalid("token issuer is not accepted", "issuer_not_allowed");

    const source = this.source(iss);
    let result: JWTVerifyResult;
    try {
      result = await this.verifyWith(token, await source.get(), iss);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const fresh = await source.refreshForUnknownKid();
      if (!fresh) throw invalid("no key of the issuer matches the token", "no_matching_key", error);
      result = await this.verifyWith(token, fresh, iss);
    }
    const { payload: verified } = result;
    const now = Math.floor(Date.now() / 1000);
    if (typeof verified.iat === "number" && verified.iat > now + this.o.clockTolerance) {
      throw invalid("token issued in the future", "token_issued_in_future");
    }
    let claims: unknown = verified;
    if (this.o.claims) {
      const parsed = this.o.claims.safeParse(verified);
      if (!parsed.success) {
        const paths = parsed.error.issues.slice(0, 3).map((i) => i.path.join(".") || "(root)");
        throw invalid(
          `token claims do not match the expected schema at ${paths.join(", ")}`,
          "claims_schema",
        );
      }
      claims = parsed.data;
    }
    return {
      claims,
      payload: verified,
      header,
      issuer: iss,
      scopes: readScopes(verified),
      permissions: readPermissions(verified),
    };
  }

  private checkHeader(token: string): ProtectedHeaderParameters {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch (cause) {
      throw invalid("malformed token header", "malformed_token", cause);
    }
    const { alg, typ, cty, kid } = header;
    if (typeof alg !== "string" || !this.o.algorithms.includes(alg)) {
      throw invalid("token algorithm is not accepted", "algorithm_not_allowed");
    }
    if (kid !== undefined && (typeof kid !== "string" || kid.length > 256)) {
      throw invalid("malformed token header: bad kid", "malformed_token");
    }
    const type = typeof typ === "string" ? typ.toLowerCase().replace(/^application\//, "") : typ;
    if (type !== undefined && (typeof type !== "string" || !ACCESS_TOKEN_TYPES.has(type))) {
      throw invalid("token type is not an access token", "wrong_token_type");
    }
    if (this.o.strict && type !== "at+jwt") {
      throw invalid("token type must be at+jwt (RFC 9068)", "wrong_token_type");
    }
    if (cty !== undefined) {
      throw invalid("nested or content-typed tokens are not accepted", "nested_token");
    }
    return header;
  }

  private async verifyWith(token: string, keys: KeySet, issuer: string): Promise<JWTVerifyResult> {
    const options = {
      issuer,
      audience: [...this.o.audience],
      algorithms: [...this.o.algorithms],
      clockTolerance: this.o.clockTolerance,
      maxTokenAge: this.o.maxTokenAge,
      requiredClaims: this.required,
    };
    try {
      return await jwtVerify(token, keys.resolve, options);
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      // No kid and several candidate keys: try each (jose leaves this to the caller).
      const candidates = error as errors.JWKSMultipleMatchingKeys & AsyncIterable<CryptoKey>;
      for await (const key of candidates) {
        try {
          return await jwtVerify(token, key, options);
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  }

  private async resolveIssuers(
    view: RequestView | undefined,
    iss: string,
  ): Promise<readonly string[]> {
    const resolver = this.o.resolver;
    if (!resolver) return [];
    try {
      return await resolver({
        url: view?.url,
        headers: view?.headers ?? (() => undefined),
        unverifiedIssuer: iss,
      });
    } catch (cause) {
      throw new ServerError("internal error while resolving the allowed issuers", {
        reason: "internal",
        cause,
      });
    }
  }
}

/** Maps jose's errors (and its key-type `TypeError`s) to {@link AuthError}s. */
function mapJoseError(error: unknown): AuthError | undefined {
  if (error instanceof errors.JWTExpired) {
    // jose reports maxTokenAge as JWTExpired on the "iat" claim.
    if (error.claim === "iat") return invalid("token is too old", "token_too_old", error);
    return invalid("token expired", "token_expired", error);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason } = error;
    if (reason === "missing")
      return invalid(`missing required claim ${claim}`, "missing_claim", error);
    if (claim === "aud")
      return invalid("token audience is not accepted", "audience_mismatch", error);
    if (claim === "nbf") return invalid("token is not yet valid", "token_not_yet_valid", error);
    if (claim === "iss")
      return invalid("token issuer is not accepted", "issuer_not_allowed", error);
    if (claim === "iat" && reason === "check_failed") {
      return invalid("token is too old", "token_too_old", error);
    }
    return invalid(`invalid ${claim} claim`, "invalid_claims", error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalid("signature verification failed", "invalid_signature", error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return invalid("token algorithm is not accepted", "algorithm_not_allowed", error);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return invalid("no key of the issuer matches the token", "no_matching_key", error);
  }
  if (error instanceof errors.JOSENotSupported) {
    return invalid("unsupported token header", "unsupported_header", error);
  }
  if (error instanceof errors.JOSEError)
    return invalid("malformed token", "malformed_token", error);
  // jose throws plain TypeErrors when a key does not fit the algorithm.
  if (error instanceof TypeError) {
    return invalid("token does not fit the issuer's key", "invalid_signature", error);
  }
  return undefined;
}
