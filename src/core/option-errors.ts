import type { core } from "zod";
import { ConfigurationError, type OptionProblem } from "./errors.js";

/**
 * Turns option-schema issues into problems a person can act on: the option, what is wrong
 * in plain words, and the fix — never zod's raw wording; internal.
 */

/** What each option expects, said the way the README says it. */
const EXPECTED: Record<string, string> = {
  domain: 'a bare host such as "tenant.us.auth0.com"',
  domains:
    'a non-empty list of bare hosts (["a.us.auth0.com", "login.example.com"]) or a resolver function',
  issuer: 'an issuer URL exactly as in the token\'s iss, e.g. "https://idp.example.com/"',
  issuers: "a non-empty list of issuer URLs, or a resolver function",
  audience:
    'your API identifier, e.g. audience: "https://api.example.com" (a string or a non-empty list)',
  algorithms: 'a non-empty list of JWS algorithms, e.g. ["RS256"]',
  claims: "a Standard Schema validator such as z.looseObject({ sub: z.string() })",
  jwks: "a JWKS object { keys: [...] }",
  fetch: "a fetch-compatible function",
  trustProxy: "true, a hop count, or a predicate on the remote address",
  logger: "a console-compatible logger (with warn) or false",
  "cache.tokens": "false, or { max, maxAge }",
  "dpop.mode": '"allowed", "required" or "disabled"',
  "dpop.nonce": "true, { secret, rotation }, or a provider { current(), isValid(nonce) }",
  "dpop.nonce.secret":
    "a string of at least 16 characters or a Uint8Array (32 random bytes recommended)",
  "dpop.replayStore": "an object with add(key, ttlSeconds)",
  resourceMetadata: "true, or { resource, url, scopesSupported, … }",
  organization:
    'an organization ID ("org_…"), a name, a non-empty list of them, or a resolver ({ url, headers }) => string | string[]',
  policies: "an object of named policies { isOwner: ({ claims, input, args }) => boolean }",
};

/** Option names of other libraries, and what to use here instead. */
const RENAMES: Record<string, string> = {
  issuerBaseURL: "issuer (any OIDC issuer URL) or domain (an Auth0 tenant host)",
  issuerBaseUrl: "issuer (any OIDC issuer URL) or domain (an Auth0 tenant host)",
  issuerUrl: "issuer",
  secret:
    "nothing: symmetric (HS*) secrets are never accepted for access tokens; the issuer's JWKS is used",
  tokenSigningAlg: 'algorithms (a list, e.g. ["RS256"])',
  algorithm: "algorithms (a list)",
  validators: "claims (a schema) or requiredClaims",
  authRequired: "requireAuth() on the procedures (tRPC) or @auth on the fields (GraphQL)",
  cacheMaxAge: "cache.maxAge (seconds, not ms)",
  timeoutDuration: "cache.timeout (seconds, not ms)",
  cooldownDuration: "cache.cooldown (seconds, not ms)",
  agent: "fetch (pass a fetch that uses your agent or proxy)",
  jwksUrl: "jwksUri",
  audiences: "audience (a string or a list)",
  clientId: "audience (your API identifier; access tokens are for an API, not a client)",
  tenant: 'domain (e.g. "tenant.us.auth0.com")',
  maxAge: "maxTokenAge",
};

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length] as number;
}

function unknownKey(key: string, prefix: string, known: readonly string[]): OptionProblem {
  const option = prefix ? `${prefix}.${key}` : key;
  const renamed = prefix ? undefined : RENAMES[key];
  if (renamed) return { option, message: `is not a scopegate option; use ${renamed}` };
  const close = known.find((k) => editDistance(k, key) <= 2);
  return {
    option,
    message: close
      ? `is not an option; did you mean ${prefix ? `${prefix}.` : ""}${close}?`
      : `is not an option${prefix ? ` of ${prefix}` : ""}; check the spelling`,
  };
}

function expected(path: string): string | undefined {
  return EXPECTED[path] ?? EXPECTED[path.replace(/\[\d+\]/g, "")];
}

function plain(issue: core.$ZodIssue, path: string, value: unknown): string {
  const want = expected(path);
  if (value === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union")) {
    return `is required${want ? `: ${want}` : ""}`;
  }
  switch (issue.code) {
    case "invalid_type":
      return `must be ${want ?? issue.expected}, not ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`;
    case "too_small":
      if (issue.origin === "string") return `must not be empty${want ? `: ${want}` : ""}`;
      if (issue.origin === "array") return `must list at least one${want ? `: ${want}` : ""}`;
      return `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}`;
    case "invalid_value":
      return `must be ${want ?? issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
    case "custom":
      return `must be ${want ?? issue.message}`;
    default:
      return `must be ${want ?? "a valid value"}`;
  }
}

/** Every issue of the options schema as a problem with its fix. */
export function describeIssues(
  issues: readonly core.$ZodIssue[],
  input: unknown,
  known: (prefix: string) => readonly string[],
): OptionProblem[] {
  const valueAt = (path: readonly PropertyKey[]) => {
    let v: unknown = input;
    for (const p of path)
      v = typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined;
    return v;
  };
  const out: OptionProblem[] = [];
  for (const issue of issues) {
    const path = issue.path
      .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`))
      .join("");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push(unknownKey(key, path, known(path)));
      continue;
    }
    const value = valueAt(issue.path);
    if (issue.code === "invalid_union" && value !== undefined) {
      out.push({
        option: path,
        message: `must be ${expected(path) ?? "one of the documented forms"}`,
      });
      continue;
    }
    out.push({ option: path, message: plain(issue, path, value) });
  }
  return out;
}

/**
 * Runs every check, collecting the {@link ConfigurationError}s they throw, and throws them as
 * one when any failed; internal. With `lenient`, other exceptions (a check reading an option
 * that already failed its type check) are dropped — the type problem is reported instead.
 */
export function collectProblems(
  problems: OptionProblem[],
  lenient: boolean,
  checks: ReadonlyArray<() => void>,
): void {
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (error instanceof ConfigurationError) {
        for (const p of error.problems) {
          if (!problems.some((q) => q.option === p.option)) problems.push(p);
        }
      } else if (!lenient) {
        throw error;
      }
    }
  }
  if (problems.length > 0) throw ConfigurationError.of(problems);
}
