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
 * Operations (per context) whose subscription stream a scopegate wrapper ends at the token's
 * expiry and judges event by event when each is produced (`endAtExpiry` with `dropLate`):
 * any other wrapper (the transform's, when `useAuth` already wraps) and the resolvers' own
 * per-event expiry check stand down for them, so an event produced before
 * `exp` but resolved after it is delivered, and a late one yields exactly one final error
 * (two checks with two clock readings could each refuse, and the client got two). Kept per
 * operation (its definition node): another operation sharing the context, say an
 * unprotected subscription with a protected field inside, is not wrapped and keeps its
 * per-event check; internal.
 */
const judged = new WeakMap<object, WeakSet<object>>();

/** Marks `operation`'s stream on `context` as judged per event by a wrapper; internal. */
export function markExpiryJudged(context: object, operation: object): void {
  let operations = judged.get(context);
  if (!operations) {
    operations = new WeakSet<object>();
    judged.set(context, operations);
  }
  operations.add(operation);
}

/** Whether {@link markExpiryJudged} was called for this context and operation; internal. */
export function isExpiryJudged(context: unknown, operation: object): boolean {
  return typeof context === "object" && context !== null
    ? judged.get(context)?.has(operation) === true
    : false;
}
