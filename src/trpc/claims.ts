import {
  type AccessTokenClaims,
  type AuthState,
  ConfigurationError,
  InsufficientScopeError,
  type StandardSchemaV1,
} from "scopegate";
import { authorize } from "./run.js";
import type { AuthenticatedContext, AuthMiddleware, MergeClaims } from "./types.js";

/**
 * Options of {@link requireClaims}.
 *
 * @example
 * ```ts
 * requireClaims((c) => c.email_verified === true, { description: "verify your email first" });
 * ```
 */
export interface RequireClaimsOptions {
  /**
   * The client-safe `error_description` of the 403. Never put claim values in it.
   * @default "the token's claims do not allow this operation"
   */
  description?: string;
}

/**
 * A check of the verified claims: `true` lets the call through (anything else refuses).
 *
 * @example
 * ```ts
 * const sameTenant: ClaimsPredicate<AccessTokenClaims> = (c) => c.tenant === "acme";
 * ```
 */
export type ClaimsPredicate<Claims> = (claims: Claims) => boolean | Promise<boolean>;

const DEFAULT_DESCRIPTION = "the token's claims do not allow this operation";

/**
 * Requires a valid token whose claims satisfy a predicate or a schema (a tenant, an
 * organisation, an email domain, `amr` containing `mfa`…). Implies {@link requireAuth}.
 *
 * When the claims do not satisfy it, the call fails with `FORBIDDEN`: HTTP 403, RFC 6750
 * error code **`insufficient_scope`** ("the request requires higher privileges than provided
 * by the access token"), `reason: "claims_rejected"`, and a `WWW-Authenticate` challenge
 * without `scope=`. A schema's issues are not sent to the client.
 *
 * - a type guard narrows `ctx.claims` to the guarded type;
 * - a schema — any Standard Schema validator (https://standardschema.dev): zod ≥ 3.24, zod 4,
 *   valibot, arktype… — narrows `ctx.claims` to its output laid over the claims (keys the
 *   schema strips are kept; a transform's output replaces the keys it names). An async
 *   schema is awaited; one that throws is a server error.
 *
 * A predicate that throws an `AuthError` answers with it; any other throw is a server error.
 * Not checked: anything the predicate does not look at.
 *
 * @example
 * ```ts
 * protectedProcedure.use(requireClaims((c) => c.org_id === "org_acme"));
 * protectedProcedure.use(requireClaims(z.object({ org_id: z.literal("org_acme") })));
 * protectedProcedure.use(requireClaims(v.object({ org_id: v.literal("org_acme") }))); // valibot
 * ```
 */
export function requireClaims<Claims = AccessTokenClaims, Narrow extends Claims = Claims>(
  guard: (claims: Claims) => claims is Narrow,
  options?: RequireClaimsOptions,
): AuthMiddleware<Claims, AuthenticatedContext<Narrow>>;
export function requireClaims<Claims = AccessTokenClaims>(
  predicate: ClaimsPredicate<Claims>,
  options?: RequireClaimsOptions,
): AuthMiddleware<Claims>;
export function requireClaims<Schema extends StandardSchemaV1, Claims = AccessTokenClaims>(
  schema: Schema,
  options?: RequireClaimsOptions,
): AuthMiddleware<
  Claims,
  AuthenticatedContext<MergeClaims<Claims, StandardSchemaV1.InferOutput<Schema>>>
>;
export function requireClaims<Claims>(
  test: ClaimsPredicate<Claims> | StandardSchemaV1,
  options: RequireClaimsOptions = {},
): AuthMiddleware<Claims, AuthenticatedContext<unknown>> {
  // A schema first: arktype's types are functions too.
  const schema = isStandardSchema(test) ? test : undefined;
  if (!schema && typeof test !== "function") {
    throw new ConfigurationError(
      "requireClaims",
      "expects a predicate function or a Standard Schema validator (zod, valibot, arktype…)",
    );
  }
  const predicate = schema ? undefined : (test as ClaimsPredicate<Claims>);
  const description = options.description ?? DEFAULT_DESCRIPTION;
  const check = async (auth: AuthState<Claims>): Promise<unknown> => {
    const claims = await auth.require();
    if (predicate) {
      if ((await predicate(claims)) === true) return claims;
    } else if (schema) {
      const result = await schema["~standard"].validate(claims);
      if (!result.issues) return merge(claims, result.value);
    }
    return auth.fail(new InsufficientScopeError(description, { reason: "claims_rejected" }));
  };
  return async function requireClaims(opts) {
    return authorize(opts, check);
  };
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as Partial<StandardSchemaV1>)["~standard"];
  return typeof props === "object" && props !== null && typeof props.validate === "function";
}

function merge(claims: unknown, data: unknown): unknown {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  return isRecord(claims) && isRecord(data) ? { ...claims, ...data } : claims;
}
