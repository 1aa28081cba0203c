import type { JWK, JWTPayload, ProtectedHeaderParameters } from "jose";
import { type ClaimRules, checkClaims } from "./claims.js";
import { AuthError, InvalidTokenError, ServerError } from "./errors.js";
import { Flights } from "./in-flight.js";
import { Introspector } from "./introspection.js";
import { selectKeys } from "./jwk.js";
import { type DecodedJws, decodeJws } from "./jws.js";
import type { KeySet, KeySource } from "./keys.js";
import { isPromiseLike, type MaybePromise } from "./maybe.js";
import { BoundedMemo } from "./memo.js";
import type { ResolvedOptions } from "./options.js";
import type { RequestView } from "./request.js";
import { readPermissions, readScopes } from "./scopes.js";
import { UnusableKeyError, verifySignature } from "./signature.js";
import { issuePaths, type StandardSchemaV1 } from "./standard-schema.js";
import { KeySources } from "./tenants.js";
import { TokenCache } from "./token-cache.js";
import { checkAccessTokenHeader } from "./token-header.js";

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

/** Rethrows an {@link AuthError}; anything else becomes a 500 with its cause kept. */
function internal(error: unknown): never {
  if (error instanceof AuthError) throw error;
  throw new ServerError("internal error while checking the access token", {
    reason: "internal",
    cause: error,
  });
}

/** The value of a Standard Schema result, or the 401 naming where the claims failed it. */
function schemaValue(result: StandardSchemaV1.Result<unknown>): unknown {
  if (result.issues) {
    const paths = issuePaths(result.issues, 3);
    throw invalid(
      `token claims do not match the expected schema at ${paths.join(", ")}`,
      "claims_schema",
    );
  }
  return result.value;
}

/** One token on its way through {@link Verifier}'s steps; internal. */
interface Attempt {
  token: string;
  jws: DecodedJws;
  header: ProtectedHeaderParameters;
  iss: string;
  now: number;
  /** Generation of the key set the signature was checked against. */
  generation: number;
}

/** Keys a token is tried against, at most (in JWKS order): by `alg`, or by `kid` too. */
const MAX_CANDIDATES = 3;
const STRICT_CLAIMS = ["client_id", "jti", "sub", "iat"];
/** Distinct token headers remembered (decoded and checked once); only verified tokens' headers. */
const MAX_HEADERS = 64;
export class Verifier {
  /** The issuers' key sources (bounded when a resolver admits issuers). */
  readonly sources: KeySources;
  private readonly rules: ClaimRules;
  private readonly issuers: ReadonlySet<string> | undefined;
  private readonly cache: TokenCache<CachedVerification> | undefined;
  /** RFC 7662 introspection (opaque tokens; JWTs too with `jwt: "always"`). */
  readonly introspector: Introspector | undefined;
  private readonly headers = new BoundedMemo<ProtectedHeaderParameters>(MAX_HEADERS);
  private readonly flights = new Flights<Verified>();
  private readonly knownHeader = (segment: string) => this.headers.get(segment);
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

  /**
   * Verifies a token: the result at once when nothing needs I/O or a promise (a cache hit, or
   * the issuer's keys at hand and node:crypto), else a promise of it. Fails with an
   * {@link AuthError} only: thrown when it fails at once, else as the rejection.
   */
  verify(token: string, view: RequestView | undefined, shaped = false): MaybePromise<Verified> {
    try {
      const now = Date.now() / 1000;
      const hit = this.cache?.get(token, now);
      if (hit) {
        const still = this.stillValid(token, hit.value, view);
        if (isPromiseLike(still)) {
          return Promise.resolve(still)
            .then((ok) => (ok ? hit.value.verified : this.shared(token, view, now, shaped)))
            .catch(internal);
        }
        if (still) return hit.value.verified;
      }
      const result = this.shared(token, view, now, shaped);
      return isPromiseLike(result) ? Promise.resolve(result).catch(internal) : result;
    } catch (error) {
      return internal(error);
    }
  }

  /**
   * Concurrent first sights of one token share one verification (the herd of a new token costs
   * one signature check). The entry is removed when it settles, so a failure is never reused
   * beyond its own flight. With an issuer resolver, each joiner still asks the resolver for its
   * own request; a joiner whose flight was refused for the issuer verifies on its own.
   */
  private shared(
    token: string,
    view: RequestView | undefined,
    now: number,
    shaped: boolean,
  ): MaybePromise<Verified> {
    const flight = this.flights.find(token);
    if (flight) return this.join(flight, token, view, now);
    const result = this.run(token, view, now, shaped);
    // A verification that finished at once left nothing in flight to share (and cached itself).
    if (!isPromiseLike(result)) return result;
    const promise = Promise.resolve(result);
    this.flights.track(token, promise);
    return promise;
  }

  private async join(
    flight: Promise<Verified>,
    token: string,
    view: RequestView | undefined,
    now: number,
  ): Promise<Verified> {
    this.sharedVerifications++;
    let v: Verified;
    try {
      v = await flight;
    } catch (error) {
      if (this.o.resolver && error instanceof AuthError && error.reason === "issuer_not_allowed") {
        return this.run(token, view, now);
      }
      throw error;
    }
    if (this.o.resolver && !(await this.resolveIssuers(view, v.issuer))(v.issuer)) {
      throw invalid("token issuer is not accepted", "issuer_not_allowed");
    }
    return v;
  }

  /** Whether this exact token is in the verified-token cache (it passed every check once). */
  isCached(token: string): boolean {
    return this.cache?.get(token, Date.now() / 1000) !== undefined;
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
  private stillValid(
    token: string,
    c: CachedVerification,
    view: RequestView | undefined,
  ): MaybePromise<boolean> {
    if (!this.o.resolver) return this.keyStillPublished(token, c);
    const iss = c.verified.issuer;
    return this.resolveIssuers(view, iss).then((allowed) => {
      if (!allowed(iss)) throw invalid("token issuer is not accepted", "issuer_not_allowed");
      return this.keyStillPublished(token, c);
    });
  }

  /**
   * The whole verification, synchronous as far as it can go: each step that may need a promise
   * (an issuer resolver, a key fetch, WebCrypto, an async claims schema, introspection)
   * continues in a `.then` only when it returned one. Throws or rejects with the failure.
   */
  private run(
    token: string,
    view: RequestView | undefined,
    now: number,
    shaped = false,
  ): MaybePromise<Verified> {
    const jws = decodeJws(token, this.knownHeader, shaped);
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
      : checkAccessTokenHeader(jws.header, this.o);
    const iss = jws.payload.iss;
    if (typeof iss !== "string" || iss === "") {
      throw invalid("token has no issuer", "issuer_not_allowed");
    }
    const t: Attempt = { token, jws, header, iss, now, generation: 0 };
    if (this.issuers) {
      if (!this.issuers.has(iss)) this.refuseIssuer(iss);
      return this.withIssuer(t);
    }
    return this.resolveIssuers(view, iss).then((allowed) => {
      if (!allowed(iss)) this.refuseIssuer(iss);
      return this.withIssuer(t);
    });
  }

  private refuseIssuer(iss: string): never {
    // The classic mismatch: Auth0's iss ends in "/", an issuer option often does not.
    const twin = iss.endsWith("/") ? iss.slice(0, -1) : `${iss}/`;
    const slash = this.issuers?.has(twin)
      ? "; it differs from the accepted issuer only by a trailing slash (iss must match exactly)"
      : "";
    throw invalid(`token issuer is not accepted${slash}`, "issuer_not_allowed");
  }

  private withIssuer(t: Attempt): MaybePromise<Verified> {
    const { source, keys } = this.sources.keys(t.iss);
    if (isPromiseLike(keys)) return Promise.resolve(keys).then((k) => this.withKeys(t, source, k));
    return this.withKeys(t, source, keys);
  }

  private withKeys(t: Attempt, source: KeySource, keys: KeySet): MaybePromise<Verified> {
    const alg = t.header.alg as string;
    const candidates = selectKeys(keys.keys, alg, t.header.kid);
    if (candidates.length > 0) return this.withCandidates(t, keys, candidates);
    return source.refreshForUnknownKid().then((fresh) => {
      const again = fresh ? selectKeys(fresh.keys, alg, t.header.kid) : [];
      if (!fresh || again.length === 0) {
        throw invalid("no key of the issuer matches the token", "no_matching_key");
      }
      return this.withCandidates(t, fresh, again);
    });
  }

  private withCandidates(t: Attempt, keys: KeySet, candidates: JWK[]): MaybePromise<Verified> {
    t.generation = keys.generation;
    // Bounded work: a token is tried against the first few keys of its algorithm (and kid)
    // only, so a forged token costs the same whatever the JWKS holds, repeated kids included.
    const tried =
      candidates.length > MAX_CANDIDATES ? candidates.slice(0, MAX_CANDIDATES) : candidates;
    const alg = t.header.alg as string;
    const signed = this.checkSignature(alg, tried, t.jws.signingInput, t.jws.signature, 0);
    if (isPromiseLike(signed)) return Promise.resolve(signed).then(() => this.withSignature(t));
    return this.withSignature(t);
  }

  private withSignature(t: Attempt): MaybePromise<Verified> {
    const { payload } = t.jws;
    checkClaims(payload, this.rules, t.now);
    if (!this.o.claims) return this.accept(t, payload);
    // Any Standard Schema validator; an async one is awaited. One that throws is a 500.
    const got = this.o.claims["~standard"].validate(payload);
    if (isPromiseLike(got)) return Promise.resolve(got).then((r) => this.accept(t, schemaValue(r)));
    return this.accept(t, schemaValue(got));
  }

  private accept(t: Attempt, claims: unknown): MaybePromise<Verified> {
    const { payload } = t.jws;
    const verified: Verified = {
      claims,
      payload: payload as JWTPayload,
      header: t.header,
      issuer: t.iss,
      scopes: readScopes(payload),
      permissions: readPermissions(payload),
    };
    if (this.introspector?.jwtAlways) {
      return this.introspector.requireActive(t.token, t.now).then(() => this.keep(t, verified));
    }
    return this.keep(t, verified);
  }

  private keep(t: Attempt, verified: Verified): Verified {
    if (this.cache) this.remember(t.token, verified, t.generation, t.now);
    if (!t.jws.headerKnown) this.headers.set(t.jws.headerSegment, Object.freeze(t.header));
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

  /** Tries the candidates in order from `from`; synchronous while the crypto answers at once. */
  private checkSignature(
    alg: string,
    candidates: JWK[],
    input: string,
    signature: Uint8Array,
    from: number,
    unusable?: unknown,
  ): MaybePromise<void> {
    let skipped = unusable;
    for (let i = from; i < candidates.length; i++) {
      this.signatureChecks++;
      let r: MaybePromise<boolean>;
      try {
        r = verifySignature(alg, candidates[i] as JWK, input, signature);
      } catch (error) {
        if (!(error instanceof UnusableKeyError)) throw error;
        skipped = error;
        continue;
      }
      if (isPromiseLike(r)) {
        return Promise.resolve(r).then(
          (ok) =>
            ok ? undefined : this.checkSignature(alg, candidates, input, signature, i + 1, skipped),
          (error: unknown) => {
            if (!(error instanceof UnusableKeyError)) throw error;
            return this.checkSignature(alg, candidates, input, signature, i + 1, error);
          },
        );
      }
      if (r) return;
    }
    if (skipped) throw invalid("token does not fit the issuer's key", "invalid_signature", skipped);
    throw invalid("signature verification failed", "invalid_signature");
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
