import type { JWTPayload } from "jose";

const EMPTY: ReadonlySet<string> = new Set();

function collect(into: Set<string>, value: unknown): void {
  if (typeof value === "string") {
    for (const s of value.split(" ")) if (s) into.add(s);
  } else if (Array.isArray(value)) {
    for (const s of value) if (typeof s === "string" && s && !s.includes(" ")) into.add(s);
  }
}

/**
 * The scopes of a verified payload: `scope` (space-separated string or array, RFC 8693 §4.2)
 * and `scp` (string or array, Okta / Azure AD). Values of other types are ignored.
 */
export function readScopes(payload: JWTPayload): ReadonlySet<string> {
  if (payload.scope === undefined && payload.scp === undefined) return EMPTY;
  const scopes = new Set<string>();
  collect(scopes, payload.scope);
  collect(scopes, payload.scp);
  return scopes;
}

/** Auth0 RBAC `permissions` (an array of strings); anything else counts as none. */
export function readPermissions(payload: JWTPayload): ReadonlySet<string> {
  const p = payload.permissions;
  if (!Array.isArray(p)) return EMPTY;
  const out = new Set<string>();
  for (const v of p) if (typeof v === "string" && v) out.add(v);
  return out;
}

/** Flattens `"a"`, `["a", "b"]` and `"a", "b"` alike into one list. */
export function flattenScopes(args: ReadonlyArray<string | readonly string[]>): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (typeof a === "string") out.push(a);
    else out.push(...a);
  }
  return out;
}
