import type { JWK, JWTPayload, ProtectedHeaderParameters } from "jose";
import { type ClaimRules, checkClaims } from "./claims.js";
import { AuthError, InvalidTokenError, ServerError } from "./errors.js";
import { Introspector } from "./introspection.js";
import { selectKeys } from "./jwk.js";
import { decodeJws, HeaderMemo } from "./jws.js";
import { isPromiseLike } from "./maybe.js";
import type { ResolvedOptions } from "./options.js";
import type { RequestView } from "./request.js";
import { readPermissions, readScopes } from "./scopes.js";
import { UnusableKeyError, verifySignature } from "./signature.js";
import { issuePaths } from "./standard-schema.js";
import { KeySources } from "./tenants.js";
import { TokenCache, tokenKey } from "./token-cache.js";

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

interface CachedVerification {
  verified: Verified;
  kid: string | undefined;
  generation: number;
}

const invalid = (description: string, reason: AuthError["reason"], cause?: unknown) =>
  new InvalidTokenError(description, { reason, cause });

const ACCESS_TOKEN_TYPES = new Set(["jwt", "at+jwt"]);
/** Keys a token without `kid` is tried against, at most (in JWKS order). */
const MAX_KIDLESS_CANDIDATES = 3;
const STRICT_CLAIMS = ["client_id", "jti", "sub", "iat"];
/** Distinct token headers remembered (decoded and checked once); only verified tokens' headers. */
const MAX_HEADERS = 64;
/**
 * Distinct tokens whose verification is shared while in flight; beyond it a token is verified
 * on its own (correct, just not shared), so the map cannot grow with a flood.
 */
export const MAX_IN_FLIGHT = 10_000;

interface InFlight {
  token: string;
  promise: Promise<Verified>;
}

/**
 * Verifies JWT access tokens against the configured issuers; internal. Signatures are checked
 * synchronously with node:crypto where available (keys imported once), else through jose /
 * WebCrypto; successful verifications are cached per token.
 */
export class Verifier {
  /** The issuers' key sources (bounded when a resolver admits issuers). */
  readonly sources: KeySources;
  private readonly rules: ClaimRules;
  private readonly issuers: ReadonlySet<string> | undefined;
  private readonly cache: TokenCache<CachedVerification> | undefined;
  /** RFC 7662 introspection (opaque tokens; JWTs too with `jwt: "always"`). */
  readonly introspector: Introspector | undefined;
  private readonly headers = new HeaderMemo<ProtectedHeaderParameters>(MAX_HEADERS);
  private readonly inFlight = new Map<string, InFlight>();
  /** Access-token signature verifications run (cache hits and shared verifications run none). */
  signatureChecks = 0;
  /** Verifications answered by joining one already in flight for the same token. */
  sharedVerifications = 0;

  constructor(private readonly o: ResolvedOptions) {
    const req = new Set([...o.requiredClaims, ...(o.strict ? STRICT_CLAIMS : [])]);
    if (o.maxTokenAge !== undefined) req.add("iat");
    this.rules = {
      audience: o.audience,
      clockTolerance: o.clockTolerance,
      maxTokenAge: o.maxTokenAge,
      required: [...req],
    };
    const t = o.cache.tokens;
    // jwt "always": every request asks the introspection cache, so no verified-token cache.
    const always = o.introspection?.jwt === "always";
    this.cache = t === false || always ? undefined : new TokenCache(t.max, t.maxAge);
    this.sources = new KeySources(o);
    this.issuers = o.issuers ? new Set(o.issuers) : undefined;
    this.introspector = o.introspection
      ? new Introspector(o, o.introspection, this.rules, async (view, iss) =>
          this.issuers ? this.issuers.has(iss) : (await this.resolveIssuers(view, iss))(iss),
        )
      : undefined;
  }

  /** Verifies a token; rejects with an {@link AuthError} only. */
  async verify(token: string, view: RequestView | undefined): Promise<Verified> {
    try {
      const now = Date.now() / 1000;
      const hit = this.cache?.get(token, now);
      if (hit && (await this.stillValid(token, hit.value, view))) return hit.value.verified;
      return await this.shared(token, view, now);
    } catch (error) {
      if (error instanceof AuthError) throw error;
      throw new ServerError("internal error while checking the access token", {
        reason: "internal",
        cause: error,
      });
    }
  }

  /**
   * Concurrent first sights of one token share one verification (the herd of a new token costs
   * one signature check). The entry is removed when it settles, so a failure is never reused
   * beyond its own flight. With an issuer resolver, each joiner still asks the resolver for its
   * own request; a joiner whose flight was refused for the issuer verifies on its own.
   */
  private async shared(token: string, view: RequestView | undefined, now: number) {
    const key = tokenKey(token);
    const flight = this.inFlight.get(key);
    if (flight?.token === token) {
      this.sharedVerifications++;
      let v: Verified;
      try {
        v = await flight.promise;
      } catch (error) {
        if (
          this.o.resolver &&
          error instanceof AuthError &&
          error.reason === "issuer_not_allowed"
        ) {
          return this.run(token, view, now);
        }
        throw error;
      }
      if (this.o.resolver && !(await this.resolveIssuers(view, v.issuer))(v.issuer)) {
        throw invalid("token issuer is not accepted", "issuer_not_allowed");
      }
      return v;
    }
    const promise = this.run(token, view, now);
    if (flight === undefined && this.inFlight.size < MAX_IN_FLIGHT) {
      const entry: InFlight = { token, promise };
      this.inFlight.set(key, entry);
      const settle = () => {
        if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
      };
      promise.then(settle, settle);
    }
    return promise;
  }

  /** Whether this exact token is in the verified-token cache (it passed every check once). */
  isCached(token: string): boolean {
    return this.cache?.get(token, Date.now() / 1000) !== undefined;
  }

  /**
   * A cache hit that needs no I/O and no promise: no issuer resolver, and the issuer's keys
   * usable now with the entry's key still published. `undefined` otherwise.
   */
  cached(token: string): Verified | undefined {
    if (!this.cache || this.o.resolver) return undefined;
    const hit = this.cache.get(token, Date.now() / 1000);
    if (!hit) return undefined;
    return this.keyStillPublished(token, hit.value) ? hit.value.verified : undefined;
  }

  /**
   * Whether the issuer's keys are usable now (without I/O) and still hold the entry's key;
   * drops the entry otherwise. get() revalidates stale keys in the background.
   */
  private keyStillPublished(token: string, c: CachedVerification): boolean {
    const keys = this.sources.peek(c.verified.issuer)?.get();
    if (keys && !isPromiseLike(keys)) {
      if (keys.generation === c.generation) return true;
      if (c.kid !== undefined && keys.kids.has(c.kid)) {
        c.generation = keys.generation;
        return true;
      }
    }
    if (isPromiseLike(keys)) Promise.resolve(keys).catch(() => {});
    this.cache?.delete(token);
    return false;
  }

  /** A cached verification holds while its issuer is allowed and its key still published. */
  private async stillValid(
    token: string,
    c: CachedVerification,
    view: RequestView | undefined,
  ): Promise<boolean> {
    const iss = c.verified.issuer;
    if (this.o.resolver && !(await this.resolveIssuers(view, iss))(iss)) {
      throw invalid("token issuer is not accepted", "issuer_not_allowed");
    }
    return this.keyStillPublished(token, c);
  }

  private async run(token: string, view: RequestView | undefined, now: number): Promise<Verified> {
    const jws = decodeJws(token, (segment) => this.headers.get(segment));
    if (typeof jws === "string") {
      // Auth0 issues opaque or encrypted access tokens when the token request names no
      // audience: point at the fix.
      if (jws === "encrypted") {
        throw invalid(
          "encrypted tokens (JWE) are not accepted; request the access token with your API's audience",
          "encrypted_token",
        );
      }
      if (jws === "opaque") {
        if (this.introspector) return this.introspector.verifyOpaque(token, view, now);
        throw invalid(
          "opaque access tokens are not accepted; request a JWT access token with your API's audience",
          "opaque_token",
        );
      }
      throw invalid(jws, "malformed_token");
    }
    // A remembered header passed checkHeader (which depends only on the options) before.
    const header = jws.headerKnown
      ? (jws.header as ProtectedHeaderParameters)
      : this.checkHeader(jws.header);
    const { payload } = jws;
    const iss = payload.iss;
    if (typeof iss !== "string" || iss === "") {
      throw invalid("token has no issuer", "issuer_not_allowed");
    }
    const allowed = this.issuers
      ? this.issuers.has(iss)
      : (await this.resolveIssuers(view, iss))(iss);
    if (!allowed) {
      // The classic mismatch: Auth0's iss ends in "/", an issuer option often does not.
      const twin = iss.endsWith("/") ? iss.slice(0, -1) : `${iss}/`;
      const slash = this.issuers?.has(twin)
        ? "; it differs from the accepted issuer only by a trailing slash (iss must match exactly)"
        : "";
      throw invalid(`token issuer is not accepted${slash}`, "issuer_not_allowed");
    }

    const { source, keys: got } = this.sources.keys(iss);
    let keys = isPromiseLike(got) ? await got : got;
    const alg = header.alg as string;
    let candidates = selectKeys(keys.keys, alg, header.kid);
    if (candidates.length === 0) {
      const fresh = await source.refreshForUnknownKid();
      if (fresh) {
        keys = fresh;
        candidates = selectKeys(fresh.keys, alg, header.kid);
      }
      if (candidates.length === 0) {
        throw invalid("no key of the issuer matches the token", "no_matching_key");
      }
    }
    // Bounded work: a token without a kid is tried against the first few keys of its
    // algorithm only, so a forged kid-less token costs the same whatever the JWKS holds.
    if (header.kid === undefined && candidates.length > MAX_KIDLESS_CANDIDATES) {
      candidates = candidates.slice(0, MAX_KIDLESS_CANDIDATES);
    }
    await this.checkSignature(alg, candidates, jws.signingInput, jws.signature);
    checkClaims(payload, this.rules, now);

    let claims: unknown = payload;
    if (this.o.claims) {
      // Any Standard Schema validator; an async one is awaited. One that throws is a 500.
      const got = this.o.claims["~standard"].validate(payload);
      const result = isPromiseLike(got) ? await got : got;
      if (result.issues) {
        const paths = issuePaths(result.issues, 3);
        throw invalid(
          `token claims do not match the expected schema at ${paths.join(", ")}`,
          "claims_schema",
        );
      }
      claims = result.value;
    }
    const verified: Verified = {
      claims,
      payload: payload as JWTPayload,
      header,
      issuer: iss,
      scopes: readScopes(payload),
      permissions: readPermissions(payload),
    };
    if (this.introspector?.jwtAlways) await this.introspector.requireActive(token, now);
    if (this.cache) this.remember(token, verified, keys.generation, now);
    if (!jws.headerKnown) this.headers.set(jws.headerSegment, Object.freeze(header));
    return verified;
  }

  private remember(token: string, verified: Verified, generation: number, now: number): void {
    const { exp, nbf, iat } = verified.payload;
    const tol = this.o.clockTolerance;
    let until = Math.min((exp as number) + tol, now + (this.cache as TokenCache<unknown>).maxAge);
    if (this.o.maxTokenAge !== undefined && typeof iat === "number") {
      until = Math.min(until, iat + this.o.maxTokenAge + tol);
    }
    const from = typeof nbf === "number" ? nbf - tol : Number.NEGATIVE_INFINITY;
    this.cache?.set(token, {
      token,
      value: { verified, kid: verified.header.kid, generation },
      until,
      from,
    });
  }

  private async checkSignature(
    alg: string,
    candidates: JWK[],
    input: string,
    signature: Uint8Array,
  ): Promise<void> {
    let unusable: unknown;
    for (const jwk of candidates) {
      this.signatureChecks++;
      try {
        const r = verifySignature(alg, jwk, input, signature);
        if (isPromiseLike(r) ? await r : r) return;
      } catch (error) {
        if (!(error instanceof UnusableKeyError)) throw error;
        unusable = error;
      }
    }
    if (unusable)
      throw invalid("token does not fit the issuer's key", "invalid_signature", unusable);
    throw invalid("signature verification failed", "invalid_signature");
  }

  private checkHeader(header: Record<string, unknown>): ProtectedHeaderParameters {
    const { alg, typ, cty, kid, crit, b64 } = header;
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
    // No JWS extension is understood, so any crit (RFC 7515 §4.1.11) or b64 (RFC 7797) is refused.
    if (crit !== undefined || b64 !== undefined) {
      throw invalid("unsupported token header", "unsupported_header");
    }
    return header as ProtectedHeaderParameters;
  }

  /** The resolver's answer for this request, as an O(1) issuer check. */
  private async resolveIssuers(
    view: RequestView | undefined,
    iss: string,
  ): Promise<(issuer: string) => boolean> {
    const resolver = this.o.resolver;
    if (!resolver) return () => false;
    try {
      return await resolver({
        url: view?.url,
        headers: view?.headers ?? (() => undefined),
        unverifiedIssuer: iss,
      });
    } catch (cause) {
      if (cause instanceof AuthError) throw cause;
      throw new ServerError("internal error while resolving the allowed issuers", {
        reason: "internal",
        cause,
      });
    }
  }
}
