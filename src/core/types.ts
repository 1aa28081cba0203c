import type { JSONWebKeySet, JWTPayload } from "jose";
import type { AuthResultEvent } from "./context.js";
import type { IntrospectionOptions } from "./introspection-options.js";
import type { Logger } from "./logger.js";
import type { MtlsOptions } from "./mtls.js";
import type { HmacNonceOptions, NonceProvider } from "./nonce.js";
import type { OrganizationOption } from "./organization.js";
import type { PolicyDefinition } from "./policies.js";
import type { ReplayStore } from "./replay.js";
import type { ResourceMetadataOptions } from "./resource-metadata.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import type { TokenCacheOptions } from "./token-cache.js";

/**
 * The default shape of verified access-token claims (Auth0 and RFC 9068). Use the
 * `claims` option of `createAuth` to get a precise type from a schema (zod, valibot…) instead.
 * `iss`, `exp` and `aud` are always present: the verifier refuses a token without them.
 * `sub`, `iat`, `jti`… stay optional (required only by `strict` or `requiredClaims`).
 */
export interface AccessTokenClaims extends JWTPayload {
  /** Issuer: one of the accepted issuers, exactly (checked before the signature). */
  iss: string;
  /** Expiry in seconds since the epoch (required, checked with `clockTolerance`). */
  exp: number;
  /** Audience: holds at least one of the configured `audience` values. */
  aud: string | string[];
  /** Subject: the user id, or `{client_id}@clients` for machine-to-machine tokens. */
  sub?: string;
  /** Space-separated scopes (RFC 8693 §4.2), or an array of them. */
  scope?: string | string[];
  /** Scopes as some issuers (Okta, Azure AD) send them. */
  scp?: string | string[];
  /** Auth0 RBAC permissions. */
  permissions?: string[];
  /** The OAuth client the token was issued to (RFC 9068). */
  client_id?: string;
  /** Authorized party (Auth0, OIDC). */
  azp?: string;
  /** Confirmation claim of sender-constrained tokens (RFC 9449 `jkt`). */
  cnf?: {
    /** RFC 9449: SHA-256 thumbprint of the DPoP key the token is bound to. */
    jkt?: string;
    /** RFC 8705 §3.1: SHA-256 thumbprint of the client certificate the token is bound to. */
    "x5t#S256"?: string;
    [k: string]: unknown;
  };
  /** Authentication context class of the login (step-up, RFC 9470); Auth0 MFA: {@link AUTH0_MFA_ACR}. */
  acr?: string;
  /** Authentication methods of the login, e.g. `["pwd", "mfa"]` (Auth0 adds `"mfa"` after MFA). */
  amr?: string[];
  /** When the user logged in, in seconds since the epoch (checked by `maxAge`). */
  auth_time?: number;
  /** Auth0 Organizations: the organization ID (`org_…`); stable, prefer it. */
  org_id?: string;
  /** Auth0 Organizations: the organization name, lower-cased, when the tenant includes it. */
  org_name?: string;
}

/** What a `domains` / `issuers` resolver is given. */
export interface IssuerResolverInput {
  /** The request URL when known (absolute, or a path for bare inputs). */
  url: string | undefined;
  /** Case-insensitive header lookup of the request. */
  headers: HeaderLookup;
  /** The `iss` of the token, read before verification: do not trust it, only compare it. */
  unverifiedIssuer: string | undefined;
}

/** Reads one request header (case-insensitive); multiple values are returned as an array. */
export type HeaderLookup = (name: string) => string | string[] | undefined;

/**
 * A resolver deciding the allowed domains or issuers for one request: the list of them, or
 * `true` / `false` to accept or refuse `unverifiedIssuer` itself (which must then still be a
 * well-formed issuer: `https://{domain}/` for `domains`). The check is O(1) per request: a
 * list is normalised once per array object (return the same array while it does not change;
 * a changed length is read again), a boolean costs nothing. A promise is awaited at most
 * `resolverTimeout` seconds.
 */
export type IssuerResolver = (
  input: IssuerResolverInput,
) => readonly string[] | boolean | Promise<readonly string[] | boolean>;

/** Key-set, discovery and verified-token cache settings. All durations are in seconds. */
export interface CacheOptions {
  /** Upper bound for the JWKS cache lifetime taken from `Cache-Control: max-age`. @default 600 */
  maxAge?: number | undefined;
  /** Lower bound for the JWKS cache lifetime (a `max-age=0` is raised to this). @default 30 */
  minAge?: number | undefined;
  /** An unknown `kid` refetches the key set at most once per this window. @default 30 */
  cooldown?: number | undefined;
  /** After a failed refresh, the last good keys keep serving for this long. @default 86400 */
  staleIfError?: number | undefined;
  /** After a failed fetch with no usable keys, the next attempt waits this long (`Retry-After`). @default 5 */
  retryAfter?: number | undefined;
  /** Timeout of one discovery or JWKS request. @default 5 */
  timeout?: number | undefined;
  /** Maximum size of a discovery or JWKS response in bytes. @default 524288 */
  maxResponseBytes?: number | undefined;
  /** How long a discovery document is reused. @default 3600 */
  discoveryMaxAge?: number | undefined;
  /**
   * The verified-token cache: successful verifications reused while the token is within
   * `nbf`/`exp` and its key is still in the issuer's JWKS; `false` turns it off.
   * Scope, permission and DPoP checks still run on every request.
   * @default { max: 5000, maxAge: 600 }
   */
  tokens?: false | TokenCacheOptions | undefined;
  /**
   * Bounds of the per-issuer key sources when `issuers` / `domains` is a resolver (issuers
   * are then named by whoever writes the token). A static issuer list is not bounded by it.
   * @default { max: 5000, idle: 3600, newPerSecond: 10, failures: 10000 }
   */
  issuers?: IssuerCacheOptions | undefined;
}

/**
 * Limits of multi-tenant key sources (see {@link CacheOptions.issuers}). Issuers whose keys
 * were fetched live in an LRU; an issuer seen for the first time is fetched within a budget;
 * one whose keys could not be had is backed off (Retry-After from `cache.retryAfter`,
 * doubling per failure up to 300 s) without ever evicting an issuer that holds keys.
 */
export interface IssuerCacheOptions {
  /** Most issuers whose keys are kept; the least recently used is dropped first. @default 5000 */
  max?: number | undefined;
  /** An issuer unused for this many seconds is dropped when room is needed. @default 3600 */
  idle?: number | undefined;
  /**
   * First fetches (discovery + JWKS) of issuers not yet held, per second, at most; beyond it
   * a request naming a new issuer gets 503 `temporarily_unavailable` with `Retry-After: 1`.
   * @default 10
   */
  newPerSecond?: number | undefined;
  /** Failed issuers remembered for back-off (oldest forgotten first). @default 10000 */
  failures?: number | undefined;
}

/** DPoP settings (RFC 9449). */
export interface DpopOptions {
  /** `allowed` (Bearer and DPoP), `required` (DPoP only) or `disabled` (Bearer only). @default "allowed" */
  mode?: "allowed" | "required" | "disabled" | undefined;
  /** Future skew tolerated for a proof's `iat`, in seconds. @default 30 */
  iatLeeway?: number | undefined;
  /** Maximum age of a proof, in seconds. @default 300 */
  iatOffset?: number | undefined;
  /** Proof algorithms accepted. @default every asymmetric JWS algorithm */
  algorithms?: readonly string[] | undefined;
  /**
   * Where proof `jti`s are remembered to refuse replays.
   * @default a bounded in-memory store (one process); see `scopegate/redis` for several
   */
  replayStore?: ReplayStore | undefined;
  /**
   * Deadline of one replay-store call, in seconds: a store that has not answered by then
   * (a stalled Redis) makes the request a 503 `temporarily_unavailable` with `Retry-After`,
   * never a hang and never an accepted proof. @default 1
   */
  replayStoreTimeout?: number | undefined;
  /**
   * Deadline of one call of a custom nonce provider that returns a promise, in seconds: a
   * provider that has not answered makes the request a 503 with `Retry-After`. @default 1
   */
  nonceTimeout?: number | undefined;
  /**
   * Server nonces (RFC 9449 §9): `true` (random secret per process), `{ secret, rotation }`
   * (stateless HMAC nonces shared by processes with the same secret) or a custom provider.
   * @default off
   */
  nonce?: boolean | HmacNonceOptions | NonceProvider | undefined;
}

/** The options of `createAuth`. */
export interface AuthOptions<
  Schema extends StandardSchemaV1 | undefined = undefined,
  PolicyName extends string = string,
> {
  /** One Auth0 tenant as a bare host (`tenant.us.auth0.com`); the issuer is `https://{domain}/`. */
  domain?: string | undefined;
  /** Several Auth0 (custom) domains, or a resolver returning them per request. */
  domains?: readonly string[] | IssuerResolver | undefined;
  /** Any OIDC issuer URL, exactly as it appears in `iss`. `http:` only for loopback hosts. */
  issuer?: string | undefined;
  /** Several issuer URLs, or a resolver returning them per request. */
  issuers?: readonly string[] | IssuerResolver | undefined;
  /** JWKS URL; skips discovery (used for every configured issuer). */
  jwksUri?: string | undefined;
  /** A static JWKS; no network at all. */
  jwks?: JSONWebKeySet | undefined;
  /** The API identifier(s); a token passes when its `aud` holds any of them. Required. */
  audience: string | readonly string[] | undefined;
  /** Allowed JWS algorithms. `HS*` and `none` are refused. @default every asymmetric JWS alg */
  algorithms?: readonly string[] | undefined;
  /** Clock skew tolerated for `exp`, `nbf`, `iat`, in seconds. @default 5 */
  clockTolerance?: number | undefined;
  /** Maximum age of a token from its `iat`, in seconds (requires `iat`). */
  maxTokenAge?: number | undefined;
  /** Claims that must be present. */
  requiredClaims?: readonly string[] | undefined;
  /** RFC 9068 profile: `typ` `at+jwt`, and `client_id`, `jti`, `sub`, `iat` required. @default false */
  strict?: boolean | undefined;
  /**
   * A schema the verified payload is parsed with, after every other check; the context's claims
   * are its output and typed from it. Any Standard Schema validator (https://standardschema.dev):
   * zod ≥ 3.24, zod 4, valibot ≥ 1, arktype ≥ 2…; an async one is awaited. A payload it refuses
   * is a 401 `invalid_token` (reason `claims_schema`, naming up to 3 issue paths); a validator
   * that throws is a 500. Keys the schema strips are gone from the claims (scopes, `exp`… are
   * still read from the raw payload).
   *
   * @example
   * ```ts
   * createAuth({ domain, audience, claims: z.object({ sub: z.string(), org_id: z.string() }) });
   * createAuth({ domain, audience, claims: v.looseObject({ sub: v.string() }) }); // valibot
   * ```
   */
  claims?: Schema | undefined;
  /**
   * Auth0 Organizations: the organization(s) a token must belong to — an ID (`org_…`,
   * compared with `org_id`), a name (compared with `org_name`, case-insensitively), a list
   * of them, or a per-request resolver `({ url, headers }) => string | string[]` (e.g. from
   * the subdomain). Checked like the issuer, on every request (also for cached tokens): a
   * token without `org_id`, or of another organization, is a 401 `invalid_token`. A
   * resolver that throws is a 500; one whose promise has not settled in `resolverTimeout`
   * seconds is a 503.
   *
   * @example
   * ```ts
   * createAuth({ domain, audience, organization: "org_9ybsU1dN2dKfDkBi" });
   * createAuth({ domain, audience, organization: ({ url }) => orgOfHost(new URL(url ?? "").host) });
   * ```
   */
  organization?: OrganizationOption | undefined;
  /**
   * Named rules that scopes cannot express, used by tRPC `requirePolicy(name)`, GraphQL
   * `@auth(policy: "name")` and Federation `@policy`. Each gets `{ claims, input, args,
   * parent }` and allows only by returning `true`; a throw is a 500 `server_error` (the
   * cause kept), a promise not settled in `policyTimeout` seconds a 503. Evaluated at most
   * once per (policy, arguments) per request. A policy that reads `parent` (GraphQL) is
   * declared as `{ usesParent: true, check }` and runs at resolve time.
   *
   * @example
   * ```ts
   * createAuth({ domain, audience, policies: {
   *   isOwner: ({ claims, input }) => (input as { ownerId: string }).ownerId === claims.sub,
   * } });
   * ```
   */
  policies?: { readonly [K in PolicyName]: PolicyDefinition<ClaimsOf<Schema>> } | undefined;
  /** Deadline of one policy evaluation that returns a promise, in seconds. @default 5 */
  policyTimeout?: number | undefined;
  /** The `realm` of `WWW-Authenticate` challenges. @default "api" */
  realm?: string | undefined;
  /** Key-set and discovery cache settings. */
  cache?: CacheOptions | undefined;
  /**
   * Deadline of an issuer resolver that returns a promise, in seconds: one that has not
   * answered makes the request a 503 `temporarily_unavailable` with `Retry-After`. @default 1
   */
  resolverTimeout?: number | undefined;
  /** A custom fetch for discovery and JWKS (proxies, tests). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch | undefined;
  /** DPoP (RFC 9449) settings. */
  dpop?: DpopOptions | undefined;
  /**
   * RFC 7662 token introspection: accepts opaque access tokens (and, with `jwt: "always"`,
   * checks JWTs for revocation). See {@link IntrospectionOptions}.
   */
  introspection?: IntrospectionOptions | undefined;
  /**
   * RFC 8705 certificate-bound access tokens (`cnf["x5t#S256"]`). See {@link MtlsOptions}.
   * @default { mode: "allowed" }
   */
  mtls?: MtlsOptions | undefined;
  /** Trust `X-Forwarded-*` / `Forwarded` headers (DPoP `htu`). @default false */
  trustProxy?: boolean | number | ((remoteAddress: string) => boolean) | undefined;
  /** The public origin (and optional path prefix) of this API, for DPoP `htu`. */
  publicUrl?: string | undefined;
  /**
   * Called once per check outcome (a verification, a 403), for metrics and logs. It is never
   * given the token; errors it throws are ignored.
   */
  onAuthResult?: ((event: AuthResultEvent) => void) | undefined;
  /**
   * Where operator-facing diagnostics go: an issuer whose keys cannot be fetched (once, until
   * they can), keys dropped from a JWKS, first fetches of resolver-admitted issuers failing.
   * Console-compatible; never given a token. `false` silences it. @default console (warn only)
   */
  logger?: Logger | false | undefined;
  /**
   * RFC 9728 Protected Resource Metadata: builds `auth.resourceMetadata` and adds
   * `resource_metadata="…"` to every `WWW-Authenticate` challenge. `true` uses the defaults.
   */
  resourceMetadata?: true | ResourceMetadataOptions | undefined;
}

/** The claims type of an `Auth` created with the given schema. */
export type ClaimsOf<Schema> = Schema extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<Schema>
  : AccessTokenClaims;
