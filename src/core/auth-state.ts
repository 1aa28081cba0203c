import type { AuthError, AuthLevel } from "./errors.js";
import type { PolicyArguments } from "./policies.js";

/** Scopes or permissions: `"a"`, `["a", "b"]` and `"a", "b"` are all accepted. */
export type ScopeArgs = ReadonlyArray<string | readonly string[]>;

/**
 * The per-request authentication state put on the context as `ctx.auth`. The token is
 * verified lazily, at most once per request, on the first call that needs it.
 *
 * @example
 * ```ts
 * const claims = await ctx.auth.require();          // rejects with an AuthError
 * if (await ctx.auth.hasScopes("read:messages")) …  // false when missing or invalid
 * ```
 */
export interface AuthState<Claims = unknown, PolicyName extends string = string> {
  /** The raw access token of the request, or `null` (none, or a malformed header). */
  readonly token: string | null;
  /** The scheme the token came with, or `null`. */
  readonly scheme: "Bearer" | "DPoP" | null;
  /** The verified claims; rejects with the {@link AuthError} (and writes its headers to the response sink). */
  require(): Promise<Claims>;
  /** The verified claims, or `null` when there is no valid token. */
  claims(): Promise<Claims | null>;
  /** Whether the request carries a valid token. */
  isAuthenticated(): Promise<boolean>;
  /** Whether the token is valid and holds every given scope (`scope` / `scp` claims). */
  hasScopes(...scopes: ScopeArgs): Promise<boolean>;
  /** Whether the token is valid and holds at least one of the given scopes. */
  hasAnyScope(...scopes: ScopeArgs): Promise<boolean>;
  /** Whether the token is valid and holds every given Auth0 RBAC permission (`permissions` claim). */
  hasPermissions(...permissions: ScopeArgs): Promise<boolean>;
  /**
   * The verified token's `exp` in ms since the epoch, or `undefined` (no `exp`, or not verified
   * successfully yet). Read it after `require()`: adapters end subscriptions with it. It comes
   * from the verified payload, so a `claims` schema that drops `exp` does not hide it.
   */
  expiresAt(): number | undefined;
  /** Like {@link AuthState.require}, then a 403 `insufficient_scope` unless every scope is held. */
  requireScopes(...scopes: ScopeArgs): Promise<Claims>;
  /** Like {@link AuthState.require}, then a 403 unless at least one of the scopes is held. */
  requireAnyScope(...scopes: ScopeArgs): Promise<Claims>;
  /** Like {@link AuthState.require}, then a 403 unless every permission is held. */
  requirePermissions(...permissions: ScopeArgs): Promise<Claims>;
  /**
   * Whether the token is valid and its login meets `level` (RFC 9470): `acr` one of
   * `level.acr` (Auth0's MFA value is also met by `amr` holding `"mfa"`), `auth_time` at most
   * `level.maxAge` seconds ago (exactly `maxAge` passes; `clockTolerance` is not added).
   *
   * @example
   * ```ts
   * if (await ctx.auth.hasAuthLevel({ acr: [AUTH0_MFA_ACR], maxAge: 300 })) …
   * ```
   */
  hasAuthLevel(level: AuthLevel): Promise<boolean>;
  /**
   * Like {@link AuthState.require}, then a 401 `insufficient_user_authentication` whose
   * challenge carries `acr_values="…"` / `max_age=…` unless the login meets `level`.
   */
  requireAuthLevel(level: AuthLevel): Promise<Claims>;
  /**
   * Whether the token is valid and carries `org_id`, and (when given) belongs to one of
   * `organizations`: IDs (`org_…`) compared with `org_id`, names with `org_name`
   * case-insensitively.
   */
  hasOrganization(organizations?: string | readonly string[]): Promise<boolean>;
  /** Like {@link AuthState.hasOrganization}, as a 403 `insufficient_scope` when not. */
  requireOrganization(organizations?: string | readonly string[]): Promise<Claims>;
  /**
   * Whether the token is valid and the named policy allows it with these arguments. Each
   * (policy, arguments) is evaluated at most once per request. Rejects with the 500 (or 503)
   * of a policy that throws (or times out) — never a silent `true`.
   */
  hasPolicy(name: PolicyName, args?: PolicyArguments): Promise<boolean>;
  /** Like {@link AuthState.hasPolicy}, as a 403 `insufficient_scope` (reason `policy_denied`). */
  requirePolicy(name: PolicyName, args?: PolicyArguments): Promise<Claims>;
  /** The names of `createAuth({ policies })`. */
  readonly policyNames: readonly PolicyName[];
  /** Whether a policy is declared, and whether it needs the GraphQL parent; `undefined` if unknown. */
  policy(name: string): { readonly usesParent: boolean } | undefined;
  /**
   * Answers with `error` (its headers go to the response sink) — for adapters and custom
   * checks that reject on their own terms, e.g. a 403 from a claims predicate.
   */
  fail(error: AuthError): never;
  /**
   * The response headers of this request's check that no response sink took: the
   * `WWW-Authenticate` (and `DPoP-Nonce`, `Retry-After`) of a refusal, and the headers of a
   * success (e.g. a rotated `DPoP-Nonce`). Empty when the context had a sink (`res`,
   * `resHeaders`): they were written there already. For adapters whose context cannot write
   * response headers — `authResponseMeta` of `scopegate/trpc` reads it on AWS Lambda.
   *
   * @example
   * ```ts
   * responseMeta: ({ ctx }) => ({ headers: ctx?.auth.pendingHeaders() }),
   * ```
   */
  pendingHeaders(): Readonly<Record<string, string>>;
}
