import type { AuthLevel } from "scopegate";

/**
 * What a field needs: the AND of clauses read from `@auth` / Federation directives on the
 * field, its parent type (and the interfaces it implements) and its return type.
 */

/** Alternatives: the clause holds when the token has every scope of one group. */
export type ScopeClause = readonly (readonly string[])[];

/** Policy alternatives (Federation `@policy`): the clause holds when every policy of one group allows. */
export type PolicyClause = readonly (readonly string[])[];

/**
 * The requirement of one field. Every requirement implies a valid token; `null` is used
 * for "public" everywhere.
 */
export interface Requirement {
  /** Each clause must hold. */
  readonly scopes: readonly ScopeClause[];
  /** Auth0 RBAC permissions, all of them. */
  readonly permissions: readonly string[];
  /** Step-up (RFC 9470): each level must be met. */
  readonly levels?: readonly AuthLevel[];
  /** Auth0 Organizations: for each list, the token's organization is one of it. */
  readonly organizations?: readonly (readonly string[])[];
  /** Named policies: each clause must hold (OR of AND). */
  readonly policies?: readonly PolicyClause[];
}

/** `@auth` with no arguments, `@authenticated`: any valid token. */
export const AUTHENTICATED: Requirement = Object.freeze({ scopes: [], permissions: [] });

const clauseKey = (clause: ScopeClause): string => clause.map((g) => g.join(" ")).join("|");
const levelKey = (l: AuthLevel): string => `${l.acr?.join(" ") ?? ""}|${l.maxAge ?? ""}`;
const listKey = (l: readonly string[]): string => l.join(" ");

/** `a` then the items of `b` whose key is new; `a` itself when nothing is new. */
function merge<T>(a: readonly T[] = [], b: readonly T[] = [], key: (t: T) => string): readonly T[] {
  const keys = new Set(a.map(key));
  const out = [...a];
  for (const item of b) {
    const k = key(item);
    if (!keys.has(k)) {
      keys.add(k);
      out.push(item);
    }
  }
  return out.length === a.length ? a : out;
}

/** AND of two requirements (either may be `null` for "public"). */
export function both(a: Requirement | null, b: Requirement | null): Requirement | null {
  if (!a) return b;
  if (!b || a === b) return a;
  const keys = new Set(a.scopes.map(clauseKey));
  const scopes = [...a.scopes];
  for (const c of b.scopes) {
    const key = clauseKey(c);
    if (!keys.has(key)) {
      keys.add(key);
      scopes.push(c);
    }
  }
  const permissions = [...new Set([...a.permissions, ...b.permissions])];
  const levels = merge(a.levels, b.levels, levelKey);
  const organizations = merge(a.organizations, b.organizations, listKey);
  const policies = merge(a.policies, b.policies, clauseKey);
  const same = (x: readonly unknown[], y: readonly unknown[] | undefined) =>
    x.length === (y?.length ?? 0);
  if (
    scopes.length === a.scopes.length &&
    permissions.length === a.permissions.length &&
    same(levels, a.levels) &&
    same(organizations, a.organizations) &&
    same(policies, a.policies)
  ) {
    return a;
  }
  return {
    scopes,
    permissions,
    ...(levels.length > 0 ? { levels } : {}),
    ...(organizations.length > 0 ? { organizations } : {}),
    ...(policies.length > 0 ? { policies } : {}),
  };
}

/** AND of many requirements. */
export function all(requirements: Iterable<Requirement | null>): Requirement | null {
  let out: Requirement | null = null;
  for (const r of requirements) out = both(out, r);
  return out;
}

/**
 * The scopes (and permissions) to name in a 403 challenge: per clause the group the token
 * already satisfies, else the first group; then the permissions.
 */
export function namedScopes(
  requirement: Requirement,
  satisfied: readonly (readonly string[] | undefined)[],
): string[] {
  const out = new Set<string>();
  requirement.scopes.forEach((clause, i) => {
    for (const s of satisfied[i] ?? clause[0] ?? []) out.add(s);
  });
  for (const p of requirement.permissions) out.add(p);
  return [...out];
}
