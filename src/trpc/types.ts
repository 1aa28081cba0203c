import type { TRPCMiddlewareFunction, TRPCProcedureType } from "@trpc/server";
import type { AccessTokenClaims, AuthState } from "scopegate";

/**
 * The context the scopegate middleware need: `{ auth }`, as `auth.createAuthContext` builds
 * it. Your context may hold more; only `auth` is read.
 *
 * @example
 * ```ts
 * const t = initTRPC.context<AuthContext>().create({ errorFormatter });
 * ```
 */
export interface AuthContext<Claims = AccessTokenClaims> {
  auth: AuthState<Claims>;
}

/**
 * What the middleware add to the context once the request is authorised: the verified,
 * non-null `claims` and the raw access `token` (to call a downstream API on the user's behalf).
 *
 * @example
 * ```ts
 * protectedProcedure.query(({ ctx }: { ctx: AuthenticatedContext }) => ctx.claims.sub);
 * ```
 */
export interface AuthenticatedContext<Claims = AccessTokenClaims> {
  /** The verified claims (typed from the `claims` schema of `createAuth`). */
  claims: Claims;
  /** The access token the claims came from. */
  token: string;
}

/**
 * The promise a tRPC middleware returns; `Ctx` is what it adds to the context.
 *
 * @example
 * ```ts
 * type R = MiddlewareResultOf<{ claims: AccessTokenClaims }>;
 * ```
 */
export type MiddlewareResultOf<Ctx> = ReturnType<
  TRPCMiddlewareFunction<object, object, object, Ctx, unknown>
>;

/**
 * The part of tRPC's middleware options the scopegate middleware read. tRPC's own options
 * fit, so a scopegate middleware can be called inside yours.
 *
 * @example
 * ```ts
 * const audited = t.middleware(async (opts) => {
 *   const result = await requireAuth()(opts); // opts: the AuthMiddlewareOptions
 *   audit(opts.path, result.ok);
 *   return result;
 * });
 * ```
 */
export interface AuthMiddlewareOptions<Claims> {
  /** The context; only `auth` is read. */
  ctx: AuthContext<Claims>;
  /** The kind of procedure; subscriptions are ended when the token expires. */
  type: TRPCProcedureType;
  /** Aborted when the client goes away. */
  signal: AbortSignal | undefined;
  /** Runs the rest of the chain with the added context. */
  next: <Ctx>(opts: { ctx: Ctx }) => MiddlewareResultOf<Ctx>;
}

/**
 * A scopegate middleware: pass it to `.use()` of any procedure whose context has
 * `auth: AuthState<Claims>`. It adds `Added` (by default `{ claims, token }`) to the context.
 *
 * @example
 * ```ts
 * const onlyAdmins: AuthMiddleware = requireScopes("admin");
 * export const adminProcedure = t.procedure.use(onlyAdmins);
 * ```
 */
export type AuthMiddleware<Claims = AccessTokenClaims, Added = AuthenticatedContext<Claims>> = (
  opts: AuthMiddlewareOptions<Claims>,
) => MiddlewareResultOf<Added>;

/**
 * The claims after {@link requireClaims} with a schema: the schema's output over the claims
 * it was given (keys the schema does not mention are kept as they were).
 *
 * @example
 * ```ts
 * type C = MergeClaims<{ sub?: string; org?: unknown }, { org: "acme" }>; // { sub?: string; org: "acme" }
 * ```
 */
export type MergeClaims<Claims, Output> = Output extends object
  ? { [K in keyof Claims as K extends keyof Output ? never : K]: Claims[K] } & Output
  : Claims;
