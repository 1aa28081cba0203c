import type { GraphQLSchema, OperationDefinitionNode } from "graphql";
import type { AuthError, AuthState } from "scopegate";
import type { RequirementIndex } from "./collect.js";

/** Requirement indexes of transformed schemas; internal. */
export const indexes = new WeakMap<GraphQLSchema, RequirementIndex>();

/** The decision of `useAuth` in `filter` mode for one operation: denied paths; internal. */
export interface Plan {
  readonly operation: OperationDefinitionNode;
  /** Response paths without list indices (`"me.email"`) → why they are denied. */
  readonly denied: ReadonlyMap<string, AuthError>;
}

/** Plans by context object (one context per operation, also in a batch); internal. */
export const plans = new WeakMap<object, Plan>();

/** A response path as graphql-js gives it in `info.path`. */
export interface PathLike {
  readonly prev: PathLike | undefined;
  readonly key: string | number;
}

/** `"a.b.c"` from a path, list indices left out; internal. */
export function pathKey(path: PathLike | undefined): string {
  const keys: string[] = [];
  for (let p = path; p; p = p.prev) if (typeof p.key === "string") keys.push(p.key);
  return keys.reverse().join(".");
}

/** The response path as an array, for errors; internal. */
export function pathArray(path: PathLike | undefined): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let p = path; p; p = p.prev) keys.push(p.key);
  return keys.reverse();
}

const METHODS = ["require", "claims", "hasScopes", "hasPermissions", "fail"] as const;

/** `context.auth` when it is an `AuthState` (as made by `auth.createAuthContext`); internal. */
export function authStateOf(context: unknown): AuthState<unknown> | undefined {
  if (typeof context !== "object" || context === null) return undefined;
  const state = (context as { auth?: unknown }).auth;
  if (typeof state !== "object" || state === null) return undefined;
  const s = state as Record<string, unknown>;
  return METHODS.every((m) => typeof s[m] === "function")
    ? (state as AuthState<unknown>)
    : undefined;
}

/**
 * Contexts whose subscription `useAuth` already ends at the token's expiry, so the
 * transform's own expiry wrapper stands down (one final error, not two); internal.
 */
export const expiryHandled = new WeakSet<object>();

/**
 * Contexts whose subscription stream a scopegate wrapper ends at the token's expiry and
 * judges event by event when each is produced (`endAtExpiry` with `dropLate`): the
 * resolvers' own per-event expiry check stands down for them, so an event produced before
 * `exp` but resolved after it is delivered, and a late one yields exactly one final error
 * (two checks with two clock readings could each refuse, and the client got two); internal.
 */
export const expiryJudged = new WeakSet<object>();
