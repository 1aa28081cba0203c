import {
  type AccessTokenClaims,
  type AuthLevel,
  type AuthState,
  ConfigurationError,
  checkAuthLevel,
  checkOrganizations,
} from "scopegate";
import { authorize } from "./run.js";
import type {
  AuthenticatedContext,
  AuthMiddleware,
  AuthMiddlewareOptions,
  MiddlewareResultOf,
} from "./types.js";

/**
 * Requires a valid token whose login meets `level` (step-up authentication, RFC 9470):
 * its `acr` is one of `level.acr` (Auth0's {@link AUTH0_MFA_ACR} is also met by `amr`
 * holding `"mfa"`), and its `auth_time` is at most `level.maxAge` seconds ago (exactly
 * `maxAge` passes, one second more fails; `clockTolerance` is not added to `maxAge`).
 * Implies {@link requireAuth}.
 *
 * Otherwise `UNAUTHORIZED`: HTTP 401, `insufficient_user_authentication`, with
 * `WWW-Authenticate: Bearer …, error="insufficient_user_authentication",
 * error_description="…", acr_values="…", max_age=N` — what the client sends to the
 * authorization server to log in again. A bad `level` throws a `ConfigurationError` here.
 *
 * @example
 * ```ts
 * protectedProcedure.use(requireAuthLevel({ acr: [AUTH0_MFA_ACR], maxAge: 300 }));
 * ```
 */
export function requireAuthLevel<Claims = AccessTokenClaims>(
  level: AuthLevel,
): AuthMiddleware<Claims> {
  const wanted = checkAuthLevel(level, "requireAuthLevel");
  return async function requireAuthLevel(opts) {
    return authorize(opts, (auth) => auth.requireAuthLevel(wanted));
  };
}

/**
 * Requires a token of an Auth0 organization: `org_id` present, and when `organizations` is
 * given, one of them — IDs (`org_…`) compared with `org_id`, names with `org_name`
 * case-insensitively (Auth0 lower-cases names; prefer IDs). Continues with `ctx.claims.org_id`
 * typed as `string`. Implies {@link requireAuth}.
 *
 * Otherwise `FORBIDDEN` (403 `insufficient_scope`, reason `organization_missing` /
 * `organization_not_allowed`, no `scope=`): the token is valid for the API, not for this
 * procedure. (The API-wide `createAuth({ organization })` answers 401 `invalid_token`.)
 *
 * @example
 * ```ts
 * protectedProcedure.use(requireOrganization("org_9ybsU1dN2dKfDkBi")).query(({ ctx }) => ctx.claims.org_id);
 * ```
 */
export function requireOrganization<Claims = AccessTokenClaims>(
  organizations?: string | readonly string[],
): AuthMiddleware<Claims, AuthenticatedContext<Claims & { org_id: string }>> {
  const list =
    organizations === undefined
      ? undefined
      : checkOrganizations(organizations, "requireOrganization");
  return async function requireOrganization(opts) {
    return authorize(
      opts,
      (auth) => auth.requireOrganization(list) as Promise<Claims & { org_id: string }>,
    );
  };
}

/**
 * The options of {@link requirePolicy}.
 *
 * @example
 * ```ts
 * requirePolicy("isOwner", { auth }); // an unknown name throws here, at start-up
 * ```
 */
export interface RequirePolicyOptions {
  /** The `Auth` whose policies are named: an unknown name is a `ConfigurationError` at once. */
  auth?: { readonly policyNames: readonly string[] } | undefined;
}

/** The middleware of {@link requirePolicy}: reads `input` (or the raw input) too. */
export type PolicyMiddleware<Claims, PolicyName extends string> = (
  opts: Omit<AuthMiddlewareOptions<Claims>, "ctx"> & {
    ctx: { auth: AuthState<Claims, PolicyName> };
    input?: unknown;
    getRawInput?: () => Promise<unknown>;
  },
) => MiddlewareResultOf<AuthenticatedContext<Claims>>;

/**
 * Requires a valid token that the named policy of `createAuth({ policies })` allows, given
 * `{ claims, input }` — the parsed input when the middleware comes after `.input(schema)`,
 * else the raw input as sent. Implies {@link requireAuth}. Each (policy, input) is evaluated
 * at most once per request, also across the calls of a batch.
 *
 * The name is typed from the context's `AuthState`, so a typo does not compile; an unknown
 * name is a `ConfigurationError` when the middleware is created with `{ auth }`, else at the
 * first request (a 500). A denial is `FORBIDDEN` (403 `insufficient_scope`, reason
 * `policy_denied`, no `scope=`); a policy that throws is `INTERNAL_SERVER_ERROR` (500
 * `server_error`, the cause kept), one that has not answered in `policyTimeout` seconds
 * `SERVICE_UNAVAILABLE` — never an allow.
 *
 * @example
 * ```ts
 * protectedProcedure.input(z.object({ id: z.string() })).use(requirePolicy("isOwner")).mutation(…);
 * ```
 */
export function requirePolicy<Claims = AccessTokenClaims, PolicyName extends string = string>(
  name: NoInfer<PolicyName>,
  options: RequirePolicyOptions = {},
): PolicyMiddleware<Claims, PolicyName> {
  if (typeof name !== "string" || name === "") {
    throw new ConfigurationError(
      "requirePolicy",
      'give a policy name, e.g. requirePolicy("isOwner")',
    );
  }
  const known = options.auth?.policyNames;
  if (known && !known.includes(name)) throw unknownPolicy(name, known);
  let checked = known !== undefined;
  return async function requirePolicy(opts) {
    const auth = opts.ctx?.auth;
    if (!checked && auth && typeof auth.policy === "function") {
      if (!auth.policy(name)) throw unknownPolicy(name, auth.policyNames);
      checked = true;
    }
    const input =
      opts.input !== undefined || !opts.getRawInput ? opts.input : await opts.getRawInput();
    return authorize(opts as AuthMiddlewareOptions<Claims>, (state) =>
      (state as AuthState<Claims, PolicyName>).requirePolicy(name, { input }),
    );
  };
}

function unknownPolicy(name: string, known: readonly string[]): ConfigurationError {
  return new ConfigurationError(
    "requirePolicy",
    `unknown policy ${JSON.stringify(name)}; ${
      known.length === 0
        ? "declare it in createAuth({ policies: { … } })"
        : `declared: ${known.join(", ")}`
    }`,
  );
}
