/**
 * `scopegate/trpc`: tRPC v11 middleware that protect procedures with OAuth 2.0 / OIDC access
 * tokens verified by `createAuth`.
 *
 * @example
 * ```ts
 * import { initTRPC } from "@trpc/server";
 * import { createAuth } from "scopegate";
 * import { errorFormatter, requireAuth, requireScopes } from "scopegate/trpc";
 *
 * const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com" });
 * export const createContext = auth.createAuthContext;
 * const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
 * export const protectedProcedure = t.procedure.use(requireAuth());
 * export const router = t.router({
 *   messages: protectedProcedure.use(requireScopes("read:messages")).query(() => []),
 * });
 * ```
 *
 * @module scopegate/trpc
 */
export {
  type PolicyMiddleware,
  type RequirePolicyOptions,
  requireAuthLevel,
  requireOrganization,
  requirePolicy,
} from "./authorization.js";
export { type ClaimsPredicate, type RequireClaimsOptions, requireClaims } from "./claims.js";
export {
  authErrorOf,
  isAuthError,
  TRPC_CODE_BY_STATUS,
  toTRPCError,
  trpcCodeOf,
} from "./errors.js";
export { untilTokenExpires } from "./expiry.js";
export {
  type AuthErrorData,
  errorFormatter,
  type WithAuthErrorData,
  withAuthErrorData,
} from "./formatter.js";
export {
  requireAnyScope,
  requireAuth,
  requirePermissions,
  requireScopes,
} from "./middleware.js";
export {
  type AuthResponseMetaOptions,
  authResponseMeta,
  withAuthResponseMeta,
} from "./response-meta.js";
export type {
  AuthContext,
  AuthenticatedContext,
  AuthMiddleware,
  AuthMiddlewareOptions,
  MergeClaims,
  MiddlewareResultOf,
} from "./types.js";
