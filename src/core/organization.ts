import { callbackFailure } from "./callbacks.js";
import {
  type AuthError,
  ConfigurationError,
  InsufficientScopeError,
  InvalidTokenError,
  ServerError,
} from "./errors.js";
import { isPromiseLike, type MaybePromise, withDeadline } from "./maybe.js";
import type { RequestView } from "./request.js";
import type { HeaderLookup } from "./types.js";

/**
 * Auth0 Organizations: a token's `org_id` (or `org_name`) checked against allowed
 * organizations — for the whole API (`createAuth({ organization })`, a 401 like a wrong
 * issuer) or for one procedure / field (`requireOrganization`, `@auth(organization:)`, a 403).
 */

/** What an organization resolver is given: the request, as the issuer resolvers get it. */
export interface OrganizationResolverInput {
  /** The request URL when known (absolute, or a path for bare inputs). */
  url: string | undefined;
  /** Case-insensitive header lookup of the request. */
  headers: HeaderLookup;
}

/**
 * Decides the allowed organizations of one request (e.g. from the subdomain or the path):
 * an ID, a name, or a list. A promise is awaited at most `resolverTimeout` seconds (else a
 * 503); a throw is a 500.
 *
 * @example
 * ```ts
 * const fromSubdomain: OrganizationResolver = ({ url }) => new URL(url ?? "http://x").hostname.split(".")[0] ?? [];
 * ```
 */
export type OrganizationResolver = (
  input: OrganizationResolverInput,
) => string | readonly string[] | Promise<string | readonly string[]>;

/**
 * Allowed organizations: an ID (`org_…`, compared with `org_id` exactly), a name (anything
 * else, compared with `org_name` case-insensitively — Auth0 lower-cases names), a list of
 * them, or a per-request {@link OrganizationResolver}. A token must carry `org_id` in every
 * case; prefer IDs (names can be renamed and are in tokens only when the tenant includes them).
 *
 * @example
 * ```ts
 * const allowed: OrganizationOption = ["org_9ybsU1dN2dKfDkBi", "acme"];
 * ```
 */
export type OrganizationOption = string | readonly string[] | OrganizationResolver;

/** A compiled list of allowed organizations; internal. */
export interface OrganizationMatcher {
  readonly ids: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
  /** The list as given, for descriptions. */
  readonly given: readonly string[];
}

const ORG_ID = /^org_/;

/** Compiles a list of IDs and names; throws a `ConfigurationError` naming `where`. */
export function organizationMatcher(value: unknown, where: string): OrganizationMatcher {
  const items = typeof value === "string" ? [value] : value;
  if (!Array.isArray(items) || items.length === 0) {
    throw new ConfigurationError(
      where,
      'expects an organization ID ("org_…"), a name, a non-empty list of them, or a resolver',
    );
  }
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const item of items) {
    if (typeof item !== "string" || item.trim() === "" || item !== item.trim()) {
      throw new ConfigurationError(
        where,
        `${JSON.stringify(item)} is not an organization ID or name (a non-empty string without surrounding spaces)`,
      );
    }
    if (ORG_ID.test(item)) ids.add(item);
    else names.add(item.toLowerCase());
  }
  return { ids, names, given: [...items] as string[] };
}

/**
 * Validates a list of organizations (IDs `org_…` or names) once, e.g. when a middleware is
 * created; throws a `ConfigurationError` naming `where`. Returns the list.
 *
 * @example
 * ```ts
 * checkOrganizations(["org_123", "acme"], "requireOrganization"); // ["org_123", "acme"]
 * ```
 */
export function checkOrganizations(value: unknown, where: string): readonly string[] {
  return organizationMatcher(value, where).given;
}

/** Whether the payload's `org_id` / `org_name` is allowed by `m` (`org_id` is always needed). */
export function organizationAllowed(
  payload: Record<string, unknown>,
  m: OrganizationMatcher | null,
): boolean {
  const id = payload.org_id;
  if (typeof id !== "string" || id === "") return false;
  if (!m) return true;
  if (m.ids.has(id)) return true;
  const name = payload.org_name;
  return typeof name === "string" && m.names.has(name.toLowerCase());
}

/** The resolved `organization` option: a static matcher or a per-request one; internal. */
export type OrganizationCheck = (
  view: RequestView | undefined,
) => MaybePromise<OrganizationMatcher>;

/**
 * The `organization` option as a per-request matcher: a static list compiled once; a
 * resolver called per request under `seconds` (a promise not settled: 503; a throw or a
 * bad answer: 500). Throws a `ConfigurationError` for a bad static value.
 */
export function resolveOrganization(value: unknown, seconds: number): OrganizationCheck {
  if (typeof value !== "function") {
    const m = organizationMatcher(value, "organization");
    return () => m;
  }
  const resolver = value as OrganizationResolver;
  const toMatcher = (answer: unknown) => {
    try {
      return organizationMatcher(answer, "organization");
    } catch (cause) {
      throw new ServerError("internal error while resolving the allowed organizations", {
        reason: "internal",
        cause,
      });
    }
  };
  return (view) => {
    let answer: MaybePromise<string | readonly string[]>;
    try {
      answer = withDeadline(
        resolver({ url: view?.url, headers: view?.headers ?? (() => undefined) }),
        seconds,
        "the organization resolver",
      );
    } catch (cause) {
      throw resolverFailure(cause);
    }
    if (!isPromiseLike(answer)) return toMatcher(answer);
    return Promise.resolve(answer).then(toMatcher, (cause: unknown) => {
      throw resolverFailure(cause);
    });
  };
}

function resolverFailure(cause: unknown): AuthError {
  return callbackFailure(
    cause,
    {
      description: "the organization resolver is temporarily unavailable",
      reason: "resolver_unavailable",
    },
    { description: "internal error while resolving the allowed organizations", reason: "internal" },
  );
}

/** The API-wide refusal (checked like the issuer): 401 `invalid_token`. */
export function organizationTokenError(payload: Record<string, unknown>): InvalidTokenError {
  return typeof payload.org_id === "string" && payload.org_id !== ""
    ? new InvalidTokenError("the token's organization is not accepted", {
        reason: "organization_not_allowed",
      })
    : new InvalidTokenError("the token has no organization (org_id)", {
        reason: "organization_missing",
      });
}

/** The per-procedure / per-field refusal: 403 `insufficient_scope`, no `scope=`. */
export function organizationDenied(payload: Record<string, unknown>): InsufficientScopeError {
  return typeof payload.org_id === "string" && payload.org_id !== ""
    ? new InsufficientScopeError("this operation is not available to the token's organization", {
        reason: "organization_not_allowed",
      })
    : new InsufficientScopeError("this operation requires an organization token (org_id)", {
        reason: "organization_missing",
      });
}
