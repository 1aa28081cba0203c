import { type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import { type AuthError, isAuthError } from "scopegate";

/**
 * The one table that maps an {@link AuthError}'s HTTP `status` to a tRPC error code. tRPC
 * maps the code back to the same HTTP status, so the response status is the one the RFCs
 * call for. A status not in the table (there is none today) becomes `INTERNAL_SERVER_ERROR`.
 *
 * | `AuthError.status` | tRPC code | `AuthError.code` |
 * |---|---|---|
 * | 400 | `BAD_REQUEST` | `invalid_request`, `invalid_dpop_proof` |
 * | 401 | `UNAUTHORIZED` | `unauthorized`, `invalid_token`, `use_dpop_nonce`, `insufficient_user_authentication` |
 * | 403 | `FORBIDDEN` | `insufficient_scope` |
 * | 500 | `INTERNAL_SERVER_ERROR` | `server_error` |
 * | 503 | `SERVICE_UNAVAILABLE` | `temporarily_unavailable` |
 *
 * @example
 * ```ts
 * TRPC_CODE_BY_STATUS[403]; // "FORBIDDEN"
 * ```
 */
export const TRPC_CODE_BY_STATUS = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  500: "INTERNAL_SERVER_ERROR",
  503: "SERVICE_UNAVAILABLE",
} as const satisfies Readonly<Record<number, TRPC_ERROR_CODE_KEY>>;

/**
 * The tRPC error code for an {@link AuthError} (see {@link TRPC_CODE_BY_STATUS}).
 *
 * @example
 * ```ts
 * trpcCodeOf(new InsufficientScopeError("missing required scopes: read:data")); // "FORBIDDEN"
 * ```
 */
export function trpcCodeOf(error: AuthError): TRPC_ERROR_CODE_KEY {
  return (
    (TRPC_CODE_BY_STATUS as Record<number, TRPC_ERROR_CODE_KEY>)[error.status] ??
    "INTERNAL_SERVER_ERROR"
  );
}

/**
 * Wraps an {@link AuthError} in a `TRPCError` with the mapped code, the client-safe
 * description as `message`, and the `AuthError` as `cause` (so `onError` and
 * {@link errorFormatter} can read `status`, `code`, `reason`). The scopegate middleware
 * throw these; use it when you check `ctx.auth` by hand.
 *
 * @example
 * ```ts
 * const claims = await ctx.auth.require().catch((e) => {
 *   throw isAuthError(e) ? toTRPCError(e) : e;
 * });
 * ```
 */
export function toTRPCError(error: AuthError): TRPCError {
  return new TRPCError({ code: trpcCodeOf(error), message: error.description, cause: error });
}

/**
 * The {@link AuthError} behind an error: the error itself, or its `cause` (a `TRPCError`
 * wrapping it, also when tRPC wrapped an `AuthError` thrown inside a resolver).
 *
 * @example
 * ```ts
 * onError({ error }) { const auth = authErrorOf(error); if (auth) metrics.inc(auth.reason); }
 * ```
 */
export function authErrorOf(error: unknown): AuthError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current instanceof Error; depth++) {
    if (isAuthError(current)) return current;
    current = current.cause;
  }
  return undefined;
}

/** Re-exported from the core, where it lives (kept here so existing imports work). */
export { isAuthError };
