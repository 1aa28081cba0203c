import type { AccessTokenClaims, ScopeArgs } from "scopegate";
import { authorize, scopeList } from "./run.js";
import type { AuthMiddleware } from "./types.js";

/**
 * Requires a valid access token. Continues with `ctx.claims` (verified, non-null) and
 * `ctx.token`; `t.procedure.use(requireAuth())` is your `protectedProcedure`.
 *
 * Fails with a `TRPCError` whose `cause` is the `AuthError`: `UNAUTHORIZED` (no token, or a
 * bad / expired / wrong-audience token), `BAD_REQUEST` (malformed `Authorization` header,
 * bad DPoP proof), `SERVICE_UNAVAILABLE` (keys unreachable). The `WWW-Authenticate` header is
 * written to the HTTP response. On a subscription, the stream is ended with `UNAUTHORIZED`
 * when the token expires; on a context that outlives a request (a WebSocket connection), a
 * call made after the token expired is refused.
 *
 * `Claims` is inferred from the procedure's context when the middleware is created inside
 * `.use(…)` (so a `claims` schema given to `createAuth` types `ctx.claims`). A middleware
 * created apart, e.g. `const authed = requireAuth()`, gets `AccessTokenClaims` unless you
 * name the type: `requireAuth<Claims>()`.
 *
 * @example
 * ```ts
 * export const protectedProcedure = t.procedure.use(requireAuth());
 * protectedProcedure.query(({ ctx }) => ctx.claims.sub);
 * ```
 */
export function requireAuth<Claims = AccessTokenClaims>(): AuthMiddleware<Claims> {
  return async function requireAuth(opts) {
    return authorize(opts, (auth) => auth.require());
  };
}

/**
 * Requires a valid token holding **every** given scope (`scope` or `scp` claim). Accepts
 * `"a"`, `["a", "b"]`, `"a", "b"` and `"a b"` alike. Implies {@link requireAuth}, so it works on
 * `t.procedure` directly as well as after `requireAuth()`.
 *
 * A valid token without them: `FORBIDDEN` (403 `insufficient_scope`, the challenge's `scope=`
 * lists what was asked). No scope at all throws a `ConfigurationError` when the middleware is
 * created (an empty "all of" would admit every token).
 *
 * @example
 * ```ts
 * t.procedure.use(requireScopes("read:messages"));
 * protectedProcedure.use(requireScopes(["read:data", "write:data"]));
 * ```
 */
export function requireScopes<Claims = AccessTokenClaims>(
  ...scopes: ScopeArgs
): AuthMiddleware<Claims> {
  const wanted = scopeList("requireScopes", scopes);
  return async function requireScopes(opts) {
    return authorize(opts, (auth) => auth.requireScopes(wanted));
  };
}

/**
 * Requires a valid token holding **at least one** of the given scopes. Same argument forms
 * and errors as {@link requireScopes}.
 *
 * @example
 * ```ts
 * protectedProcedure.use(requireAnyScope("admin", "support"));
 * ```
 */
export function requireAnyScope<Claims = AccessTokenClaims>(
  ...scopes: ScopeArgs
): AuthMiddleware<Claims> {
  const wanted = scopeList("requireAnyScope", scopes);
  return async function requireAnyScope(opts) {
    return authorize(opts, (auth) => auth.requireAnyScope(wanted));
  };
}

/**
 * Requires a valid token holding every given Auth0 RBAC permission (the `permissions`
 * claim; scopes do not count). Missing ones: `FORBIDDEN` (403 `insufficient_scope`, reason
 * `insufficient_permissions`) — not a 401, the token itself is fine.
 *
 * @example
 * ```ts
 * protectedProcedure.use(requirePermissions("delete:users"));
 * ```
 */
export function requirePermissions<Claims = AccessTokenClaims>(
  ...permissions: ScopeArgs
): AuthMiddleware<Claims> {
  const wanted = scopeList("requirePermissions", permissions);
  return async function requirePermissions(opts) {
    return authorize(opts, (auth) => auth.requirePermissions(wanted));
  };
}
