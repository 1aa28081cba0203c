import { type Checked, checkCredentials } from "./check.js";
import { type AuthState, AuthStateImpl, type ContextEngine } from "./context.js";
import { AuthError, type ChallengeOptions, ServerError, UnauthorizedError } from "./errors.js";
import { isPromiseLike, type MaybePromise } from "./maybe.js";
import { withCertificateBinding } from "./mtls.js";
import { resolveOptions } from "./options.js";
import { type OrganizationClaims, withOrganization } from "./organization-check.js";
import type { PolicyNames } from "./policies.js";
import {
  type AuthContextInput,
  type RequestLike,
  type RequestView,
  readRequest,
} from "./request.js";
import { buildResourceMetadata, type ResourceMetadata } from "./resource-metadata.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import { type Extraction, extractCredentials, parseAuthorization } from "./token.js";
import type { AuthOptions, ClaimsOf, HeaderLookup } from "./types.js";
import { Verifier } from "./verify.js";

function toAuthError(error: unknown): never {
  if (error instanceof AuthError) throw error;
  throw new ServerError("internal error while checking the access token", {
    reason: "internal",
    cause: error,
  });
}

/** Options of {@link Auth.verify}: the request the token came with, when there is one. */
export interface VerifyOptions {
  /** HTTP method of the request (DPoP `htm`). */
  method?: string | undefined;
  /** Public URL of the request (DPoP `htu`). */
  url?: string | undefined;
  /** The `DPoP` proof header, when the token was sent with the DPoP scheme. */
  dpop?: string | undefined;
  /** The scheme the token was sent with. @default "Bearer" (or "DPoP" when `dpop` is given) */
  scheme?: "Bearer" | "DPoP" | undefined;
}

/** Counters of one `Auth`, for tests and metrics. */
export interface AuthStats {
  /** Token verifications started (each request verifies at most once). */
  readonly verifications: number;
  /** Discovery documents fetched, over all issuers. */
  readonly discoveryFetches: number;
  /** JWKS documents fetched, over all issuers. */
  readonly jwksFetches: number;
  /**
   * RFC 7662 introspection requests started (cache misses that went to the endpoint; the
   * concurrent requests of one token share one). 0 without the `introspection` option.
   */
  readonly introspections: number;
  /**
   * Issuers held now: `live` (keys held), `pending` (first fetch under way) and `failed`
   * (backed off after a failed fetch). Bounded by `cache.issuers` when a resolver admits
   * issuers.
   */
  readonly issuers: { readonly live: number; readonly pending: number; readonly failed: number };
  /**
   * Access-token signature verifications run (one per candidate key tried). A token served
   * from the verified-token cache, or shared with a verification already in flight, runs none.
   */
  readonly signatureChecks: number;
  /**
   * Verifications that joined one already in flight for the same token (concurrent first
   * sights of a new token share one signature check; at most 10 000 distinct tokens in flight
   * are shared, beyond that each is verified on its own).
   */
  readonly sharedVerifications: number;
}

/**
 * What `createAuth` returns. `Claims` is typed from the `claims` schema; `PolicyName` are the
 * names of its `policies` (so `requirePolicy("typo")` does not compile).
 */
export interface Auth<Claims, PolicyName extends string = string> {
  /**
   * Builds `{ auth }` for one request. A bound function: pass it as it is, as tRPC's
   * `createContext` or graphql-yoga's `context`. Does no verification by itself.
   *
   * @example
   * ```ts
   * createHTTPServer({ router, createContext: auth.createAuthContext });
   * createYoga({ schema: createSchema<AuthPluginContext<Claims>>(…), context: auth.createAuthContext });
   * ```
   */
  readonly createAuthContext: {
    (input: AuthContextInput): { auth: AuthState<Claims, PolicyName> };
    /**
     * graphql-yoga's initial context. Listed last on purpose: yoga infers its server context
     * from the last signature, and the whole `AuthContextInput` union would make it demand
     * e.g. a Lambda `event` of every schema context.
     */
    (input: { request: RequestLike }): { auth: AuthState<Claims, PolicyName> };
  };
  /** The names of the `policies` option (GraphQL checks `@auth(policy:)` against them at set-up). */
  readonly policyNames: readonly PolicyName[];
  /** Verifies a token outside a request; resolves to the claims or rejects with an `AuthError`. */
  verify(token: string, options?: VerifyOptions): Promise<Claims>;
  /** Fetches discovery and keys of every statically configured issuer ahead of the first request. */
  warmup(): Promise<void>;
  /** Live counters. */
  readonly stats: AuthStats;
  /** RFC 9728 metadata of this API, when the `resourceMetadata` option is set. */
  readonly resourceMetadata: ResourceMetadata | undefined;
}

/**
 * Creates the verifier for one API. Validates the options at once (a bad option throws a
 * `ConfigurationError`); does no I/O — keys are fetched on first need or by `warmup()`.
 *
 * Checked: signature (asymmetric algorithms only), `iss` (exact), `aud` (any of), `exp`
 * (required), `nbf`, `iat` (not in the future), `maxTokenAge`, `requiredClaims`, `typ` (an
 * access-token type), RFC 9068 in `strict` mode, the `claims` schema. Not checked: token
 * revocation (JWTs are self-contained; keep lifetimes short), `azp`, the token's `jku` /
 * `x5u` / `jwk` / `x5c` headers (never used to find keys).
 *
 * @example
 * ```ts
 * const auth = createAuth({
 *   domain: process.env.AUTH0_DOMAIN,     // "tenant.us.auth0.com"
 *   audience: process.env.AUTH0_AUDIENCE, // "https://api.example.com"
 * });
 * ```
 */
export function createAuth<
  const Schema extends StandardSchemaV1 | undefined = undefined,
  const PolicyName extends string = never,
  const O = undefined,
>(
  options: AuthOptions<Schema, PolicyName> & { organization?: O },
): Auth<OrganizationClaims<ClaimsOf<Schema>, O>, PolicyNames<PolicyName>> {
  type Claims = OrganizationClaims<ClaimsOf<Schema>, O>;
  const o = resolveOptions(options);
  const verifier = new Verifier(o);
  let verifications = 0;
  const dpopAlgorithms = o.dpop.mode === "disabled" ? null : o.dpop.algorithms;
  const resourceMetadata = o.resourceMetadata
    ? buildResourceMetadata(o.resourceMetadata, {
        audience: o.audience,
        issuers: o.issuers,
        dpopAlgorithms,
        dpopRequired: o.dpop.mode === "required",
        certificateBound: o.mtls.mode !== "disabled",
      })
    : undefined;
  const challenge: ChallengeOptions = {
    realm: o.realm,
    dpopAlgorithms,
    dpopOnly: o.dpop.mode === "required",
    ...(resourceMetadata ? { resourceMetadata: resourceMetadata.url } : {}),
  };

  const org = o.organization;
  const engine: ContextEngine = {
    challenge,
    report: o.onAuthResult,
    policies: o.policies,
    clockTolerance: o.clockTolerance,
    check(extraction: Extraction, view: RequestView | undefined): MaybePromise<Checked> {
      if (!extraction.ok) throw extraction.error;
      verifications++;
      try {
        // Synchronous when the verification is; the organization is checked on every
        // request, cached token or not.
        const checked = withCertificateBinding(
          checkCredentials(extraction.credentials, view, o, verifier),
          view,
          o,
        );
        if (isPromiseLike(checked)) {
          const p = Promise.resolve(checked);
          return (org ? p.then((c) => withOrganization(c, view, org)) : p).catch(toAuthError);
        }
        if (!org) return checked;
        const allowed = withOrganization(checked, view, org);
        return isPromiseLike(allowed) ? Promise.resolve(allowed).catch(toAuthError) : allowed;
      } catch (error) {
        return toAuthError(error);
      }
    },
  };

  const isKnownToken = (token: string) => verifier.isCached(token);
  const createAuthContext = (
    input: AuthContextInput,
  ): { auth: AuthState<Claims, PolicyNames<PolicyName>> } => {
    const view = readRequest(input);
    return {
      auth: new AuthStateImpl<Claims>(
        engine,
        view,
        extractCredentials(view, isKnownToken),
      ) as unknown as AuthState<Claims, PolicyNames<PolicyName>>,
    };
  };

  return {
    createAuthContext,
    resourceMetadata,
    policyNames: o.policies.names as readonly PolicyNames<PolicyName>[],
    async verify(token: string, opts: VerifyOptions = {}): Promise<Claims> {
      const scheme = opts.scheme ?? (opts.dpop ? "DPoP" : "Bearer");
      const extraction: Extraction =
        typeof token === "string" && token !== ""
          ? parseAuthorization(`${scheme} ${token}`)
          : {
              ok: false,
              error: new UnauthorizedError("authentication required", { reason: "missing_token" }),
            };
      const headers: HeaderLookup = (name) =>
        name.toLowerCase() === "dpop" ? opts.dpop : undefined;
      const view: RequestView = {
        headers,
        method: opts.method,
        url: opts.url,
        remoteAddress: undefined,
        encrypted: false,
        connectionParams: undefined,
        setHeader: undefined,
      };
      const state = new AuthStateImpl<Claims>(engine, view, extraction);
      return state.require();
    },
    async warmup(): Promise<void> {
      await Promise.all((o.issuers ?? []).map((iss) => verifier.sources.source(iss).warmup()));
    },
    stats: {
      get verifications() {
        return verifications;
      },
      get discoveryFetches() {
        return verifier.sources.fetches().discovery;
      },
      get jwksFetches() {
        return verifier.sources.fetches().jwks;
      },
      get introspections() {
        return verifier.introspector?.cache.started ?? 0;
      },
      get issuers() {
        return verifier.sources.sizes();
      },
      get signatureChecks() {
        return verifier.signatureChecks;
      },
      get sharedVerifications() {
        return verifier.sharedVerifications;
      },
    },
  };
}
