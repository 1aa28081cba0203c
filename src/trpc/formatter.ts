import type { TRPCDefaultErrorShape, TRPCError, TRPCErrorShape } from "@trpc/server";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { AuthErrorCode } from "scopegate";
import { authErrorOf, trpcCodeOf } from "./errors.js";

/**
 * What {@link errorFormatter} adds as `error.data.auth`: the RFC 6750 error body.
 *
 * @example
 * ```ts
 * if (err.data?.auth?.error === "insufficient_scope") showUpgradeDialog();
 * ```
 */
export interface AuthErrorData {
  /** `unauthorized`, `invalid_request`, `invalid_token`, `insufficient_scope`, … */
  error: AuthErrorCode;
  /** Client-safe description (never contains the token). */
  error_description: string;
}

/**
 * An error shape with the optional `data.auth` of {@link withAuthErrorData}.
 *
 * @example
 * ```ts
 * type Shape = WithAuthErrorData<TRPCDefaultErrorShape>;
 * ```
 */
export type WithAuthErrorData<Shape extends TRPCErrorShape> = Omit<Shape, "data"> & {
  data: Shape["data"] & { auth?: AuthErrorData };
};

/**
 * Adds `data.auth = { error, error_description }` to an error shape when the error comes from
 * a token check, for composing with your own formatter. It also aligns the shape with the
 * `AuthError`'s status (`code`, `data.code`, `data.httpStatus`), so an `AuthError` thrown
 * from a resolver (`await ctx.auth.require()` without middleware) answers 401/403, not 500.
 * Other errors are returned unchanged.
 *
 * @example
 * ```ts
 * initTRPC.context<Context>().create({
 *   errorFormatter({ shape, error }) {
 *     const withAuth = withAuthErrorData(shape, error);
 *     return { ...withAuth, data: { ...withAuth.data, requestId: currentRequestId() } };
 *   },
 * });
 * ```
 */
export function withAuthErrorData<Shape extends TRPCErrorShape>(
  shape: Shape,
  error: TRPCError,
): WithAuthErrorData<Shape> {
  const authError = authErrorOf(error);
  if (!authError) return shape;
  const key = trpcCodeOf(authError);
  const data: Record<string, unknown> = { ...shape.data, auth: authError.toJSON() };
  if ("code" in shape.data) data.code = key;
  if ("httpStatus" in shape.data) data.httpStatus = authError.status;
  return {
    ...shape,
    code: TRPC_ERROR_CODES_BY_KEY[key],
    data: data as Shape["data"] & { auth: AuthErrorData },
  };
}

/**
 * An `errorFormatter` for `initTRPC.create()`: tRPC's default shape plus
 * `data.auth = { error, error_description }` on token-check failures (see
 * {@link withAuthErrorData}). The client reads it typed as `error.data?.auth`.
 *
 * @example
 * ```ts
 * const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
 * ```
 */
export function errorFormatter(opts: {
  shape: TRPCDefaultErrorShape;
  error: TRPCError;
}): WithAuthErrorData<TRPCDefaultErrorShape> {
  return withAuthErrorData(opts.shape, opts.error);
}
