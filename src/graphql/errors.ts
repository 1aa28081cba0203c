import { type ASTNode, GraphQLError } from "graphql";
import { type AuthError, type AuthErrorCode, isAuthError } from "scopegate";

/**
 * The `extensions.code` of every GraphQL error scopegate produces. `INTERNAL_SERVER_ERROR`
 * is used only for a 500 `server_error` (a bug or a throwing `domains` resolver).
 *
 * @example
 * ```ts
 * const code: GraphQLAuthErrorCode = "FORBIDDEN";
 * if (error.extensions.code === code) showLogin();
 * ```
 */
export type GraphQLAuthErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "BAD_REQUEST"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR";

/**
 * The `extensions` of a scopegate GraphQL error. `http` is read by graphql-yoga to set the
 * response status and headers and is removed by yoga before the response is sent.
 *
 * @example
 * ```ts
 * const extensions = error.extensions as AuthErrorExtensions;
 * console.log(extensions.code, extensions.error, extensions.error_description);
 * ```
 */
export interface AuthErrorExtensions {
  /** Stable GraphQL error code (Apollo / Yoga convention). */
  code: GraphQLAuthErrorCode;
  /** The RFC 6750 / RFC 9449 error code of the underlying {@link AuthError}. */
  error: AuthErrorCode;
  /** Client-safe description (never contains the token). */
  error_description: string;
  /** HTTP status and headers for graphql-yoga; only on errors that decide the response status. */
  http?: { status: number; headers: Record<string, string> };
  [key: string]: unknown;
}

/**
 * The one table from an {@link AuthError} code to a GraphQL `extensions.code`. The HTTP
 * status is the error's own `status` (400, 401, 403, 500, 503).
 */
const CODES: Readonly<Record<AuthErrorCode, GraphQLAuthErrorCode>> = {
  unauthorized: "UNAUTHENTICATED",
  invalid_token: "UNAUTHENTICATED",
  use_dpop_nonce: "UNAUTHENTICATED",
  insufficient_user_authentication: "UNAUTHENTICATED",
  invalid_request: "BAD_REQUEST",
  invalid_dpop_proof: "BAD_REQUEST",
  insufficient_scope: "FORBIDDEN",
  temporarily_unavailable: "SERVICE_UNAVAILABLE",
  server_error: "INTERNAL_SERVER_ERROR",
};

/**
 * Options of {@link toGraphQLError}.
 *
 * @example
 * ```ts
 * throw toGraphQLError(error, { nodes: info.fieldNodes, path: ["me"], http: false });
 * ```
 */
export interface ToGraphQLErrorOptions {
  /** AST nodes the error refers to (gives `locations`). */
  nodes?: ASTNode | readonly ASTNode[];
  /** Response path of the denied field. */
  path?: readonly (string | number)[];
  /**
   * Add `extensions.http` (`status` and `WWW-Authenticate` / `Retry-After` headers) so
   * graphql-yoga answers with the error's HTTP status. Leave it off for field errors in a
   * response that still has data (GraphQL-over-HTTP: data → 2xx).
   * @default false
   */
  http?: boolean;
}

/**
 * Converts an {@link AuthError} into a `GraphQLError` with
 * `extensions: { code, error, error_description }` (and `http` when asked). The message is
 * the error's client-safe description.
 *
 * The `AuthError` is deliberately not set as `originalError`: graphql-yoga masks errors whose
 * original error is not a `GraphQLError`, and the description is safe to send as it is (it
 * never contains the token).
 *
 * @example
 * ```ts
 * const me = async (_: unknown, __: unknown, ctx: { auth: AuthState }) => {
 *   try {
 *     return await ctx.auth.requireScopes("read:profile");
 *   } catch (e) {
 *     throw isAuthError(e) ? toGraphQLError(e) : e;
 *   }
 * };
 * ```
 */
export function toGraphQLError(
  error: AuthError,
  options: ToGraphQLErrorOptions = {},
): GraphQLError {
  const extensions: AuthErrorExtensions = {
    code: CODES[error.code] ?? "INTERNAL_SERVER_ERROR",
    error: error.code,
    error_description: error.description,
  };
  if (options.http) extensions.http = { status: error.status, headers: { ...error.headers } };
  return new GraphQLError(error.description, {
    nodes: options.nodes,
    path: options.path,
    extensions,
  });
}

/** Re-exported from the core, where it lives (kept here so existing imports work). */
export { isAuthError };
