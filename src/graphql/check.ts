import type { GraphQLResolveInfo } from "graphql";
import {
  type AuthError,
  type AuthState,
  InsufficientScopeError,
  InvalidTokenError,
  UnauthorizedError,
} from "scopegate";
import { isAuthError, toGraphQLError } from "./errors.js";
import { namedScopes, type Requirement } from "./requirements.js";
import { authStateOf, isExpiryJudged, pathArray } from "./state.js";

type Verdict = Promise<AuthError | null>;
const verdicts = new WeakMap<AuthState<unknown>, Map<Requirement, Verdict>>();

/**
 * Why `state` does not meet `requirement` (the 401/400/503 of the token check, or a 403
 * naming the scopes), or `null` when it does. Memoised per state and requirement, so many
 * fields with one requirement cost one check; the token itself is verified once per state.
 */
export function evaluate(state: AuthState<unknown>, requirement: Requirement): Verdict {
  const map = verdicts.get(state) ?? new Map<Requirement, Verdict>();
  verdicts.set(state, map);
  let verdict = map.get(requirement);
  if (!verdict) {
    verdict = run(state, requirement);
    map.set(requirement, verdict);
  }
  return verdict;
}

async function run(state: AuthState<unknown>, requirement: Requirement): Verdict {
  try {
    await state.require();
  } catch (error) {
    if (isAuthError(error)) return error;
    throw error;
  }
  const satisfied: (readonly string[] | undefined)[] = [];
  const failures: string[] = [];
  let scopesFailed = false;
  for (const clause of requirement.scopes) {
    let held: readonly string[] | undefined;
    for (const group of clause) {
      if (await state.hasScopes(group)) {
        held = group;
        break;
      }
    }
    satisfied.push(held);
    if (held) continue;
    scopesFailed = true;
    failures.push(
      clause.length === 1
        ? `missing required scopes: ${clause[0]?.join(" ")}`
        : `requires one of the scope sets: ${clause.map((g) => g.join(" ")).join(" | ")}`,
    );
  }
  const { permissions } = requirement;
  if (permissions.length > 0 && !(await state.hasPermissions(permissions))) {
    failures.push(`missing required permissions: ${permissions.join(" ")}`);
  }
  if (failures.length === 0) return levelsAndOrganizations(state, requirement);
  const error = new InsufficientScopeError(
    failures.join("; "),
    { reason: scopesFailed ? "insufficient_scope" : "insufficient_permissions" },
    namedScopes(requirement, satisfied),
  );
  return challenged(state, error);
}

/** Step-up (401) and organization (403) rules, after the scopes held; `null` when met. */
async function levelsAndOrganizations(
  state: AuthState<unknown>,
  requirement: Requirement,
): Verdict {
  try {
    for (const level of requirement.levels ?? []) await state.requireAuthLevel(level);
    for (const list of requirement.organizations ?? []) await state.requireOrganization(list);
  } catch (error) {
    if (isAuthError(error)) return error;
    throw error;
  }
  return null;
}

/**
 * When the policies of a requirement run: `"before"` execution only the clauses whose
 * policies all read arguments and claims alone (a clause naming a `usesParent` policy waits),
 * at `"resolve"` time every clause (those already run are memoised by the auth state).
 */
export type PolicyPhase = "before" | "resolve";

/**
 * Why the policies of `requirement` refuse (a 403 `policy_denied`, or the 500 / 503 of a
 * policy that throws or hangs), or `null`. OR of AND per clause, every clause must hold;
 * a failure in any group stops at once (fail closed).
 */
export async function evaluatePolicies(
  state: AuthState<unknown>,
  requirement: Requirement,
  phase: PolicyPhase,
  args: Readonly<Record<string, unknown>> | undefined,
  parent: unknown,
): Verdict {
  for (const clause of requirement.policies ?? []) {
    if (
      phase === "before" &&
      clause.some((g) => g.some((p) => state.policy(p)?.usesParent !== false))
    ) {
      continue;
    }
    let denied: string | undefined;
    let allowed = false;
    for (const group of clause) {
      let groupOk = true;
      for (const name of group) {
        let ok: boolean;
        try {
          ok = await state.hasPolicy(name, { args, parent });
        } catch (error) {
          if (isAuthError(error)) return challenged(state, error);
          throw error;
        }
        if (!ok) {
          denied ??= name;
          groupOk = false;
          break;
        }
      }
      if (groupOk) {
        allowed = true;
        break;
      }
    }
    if (!allowed) {
      try {
        await state.requirePolicy(denied ?? "", { args, parent });
      } catch (error) {
        if (isAuthError(error)) return error;
        throw error;
      }
    }
  }
  return null;
}

/** The error with the auth's challenge (realm, DPoP algorithms) applied, via `state.fail`. */
export function challenged(state: AuthState<unknown>, error: AuthError): AuthError {
  try {
    state.fail(error);
  } catch (e) {
    if (isAuthError(e)) return e;
  }
  return error;
}

/** The error of a subscription whose token has expired since it started. */
export function expiredError(state: AuthState<unknown>): AuthError {
  return challenged(
    state,
    new InvalidTokenError("access token expired", { reason: "token_expired" }),
  );
}

/** `exp` of the verified token in milliseconds, or `undefined` (not verified, or no `exp`). */
export async function expiresAt(state: AuthState<unknown>): Promise<number | undefined> {
  await state.claims();
  return state.expiresAt();
}

/**
 * The resolver-side check of the transform: resolves when the context's auth state meets
 * the requirement, rejects with a located `GraphQLError` otherwise. A context without an
 * auth state is denied (fail closed). Subscription events after `exp` are denied too, unless
 * a wrapper already judges each event of this operation's stream (`isExpiryJudged`); `phase`
 * `"subscribe"` (the root field's `subscribe`) always checks `exp`.
 */
export async function enforce(
  context: unknown,
  requirement: Requirement,
  info: GraphQLResolveInfo,
  args?: Readonly<Record<string, unknown>>,
  parent?: unknown,
  phase: "subscribe" | "resolve" = "resolve",
): Promise<void> {
  const located = { nodes: info.fieldNodes, path: pathArray(info.path) };
  const state = authStateOf(context);
  if (!state) {
    throw toGraphQLError(
      new UnauthorizedError("authentication required", { reason: "missing_token" }),
      located,
    );
  }
  const error =
    (await evaluate(state, requirement)) ??
    (requirement.policies
      ? await evaluatePolicies(state, requirement, "resolve", args, parent)
      : null);
  if (error) throw toGraphQLError(error, located);
  if (
    info.operation.operation === "subscription" &&
    !(phase === "resolve" && isExpiryJudged(context, info.operation))
  ) {
    const exp = await expiresAt(state);
    if (exp !== undefined && exp <= Date.now()) throw toGraphQLError(expiredError(state), located);
  }
}
