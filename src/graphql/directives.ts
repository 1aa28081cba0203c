import { type ConstDirectiveNode, type ConstValueNode, Kind } from "graphql";
import { type AuthLevel, ConfigurationError, checkAuthLevel, checkOrganizations } from "scopegate";
import { AUTHENTICATED, both, type Requirement, type ScopeClause } from "./requirements.js";

/** Which directives are read, by the name they have in this schema; internal. */
export interface DirectiveNames {
  /** Name of scopegate's directive (default `auth`). */
  readonly auth: string;
  /** Names meaning Federation's `@authenticated` (empty when Federation is off). */
  readonly authenticated: ReadonlySet<string>;
  /** Names meaning Federation's `@requiresScopes`. */
  readonly requiresScopes: ReadonlySet<string>;
  /** Names meaning Federation's `@policy`. */
  readonly policy: ReadonlySet<string>;
  /**
   * The policy names of the `Auth` (`auth.policyNames`), or `null` when unknown (the
   * transform alone): a policy named in the schema must be one of them, and with `null` a
   * schema naming any policy is refused (it could not be enforced).
   */
  readonly policyNames?: ReadonlySet<string> | null | undefined;
}

/** Arguments each directive takes; an unknown one (a typo) is a schema error. */
const ARGS = {
  auth: new Set(["scopes", "anyOf", "permissions", "acr", "maxAge", "policy", "organization"]),
  policy: new Set(["policies"]),
  requiresScopes: new Set(["scopes"]),
  authenticated: new Set<string>(),
};

/** An AST node that may carry directives (type, field, extension). */
interface Directed {
  readonly directives?: readonly ConstDirectiveNode[] | undefined;
}

/**
 * Reads the requirement expressed by the directives of some AST nodes (a definition and its
 * extensions). `coordinate` (e.g. `Query.report`) names the place in schema errors.
 */
export function readRequirement(
  nodes: readonly (Directed | null | undefined)[],
  coordinate: string,
  names: DirectiveNames,
): Requirement | null {
  let out: Requirement | null = null;
  for (const node of nodes) {
    for (const directive of node?.directives ?? []) {
      out = both(out, fromDirective(directive, coordinate, names));
    }
  }
  return out;
}

function fromDirective(
  directive: ConstDirectiveNode,
  coordinate: string,
  names: DirectiveNames,
): Requirement | null {
  const name = directive.name.value;
  const where = `${coordinate} @${name}`;
  const known =
    name === names.auth
      ? ARGS.auth
      : names.requiresScopes.has(name)
        ? ARGS.requiresScopes
        : names.authenticated.has(name)
          ? ARGS.authenticated
          : names.policy.has(name)
            ? ARGS.policy
            : undefined;
  if (!known) return null;
  for (const a of directive.arguments ?? []) {
    if (!known.has(a.name.value)) {
      throw schemaError(where, `has an unknown argument ${JSON.stringify(a.name.value)}`);
    }
  }
  if (name === names.auth) {
    let out: Requirement = AUTHENTICATED;
    const scopes = nonEmpty(
      stringList(arg(directive, "scopes"), `${where}(scopes:)`),
      `${where}(scopes:)`,
    );
    if (scopes && scopes.length > 0)
      out = both(out, { scopes: [[scopes]], permissions: [] }) ?? out;
    const anyOf = clause(arg(directive, "anyOf"), `${where}(anyOf:)`);
    if (anyOf) out = both(out, { scopes: [anyOf], permissions: [] }) ?? out;
    const permissions = nonEmpty(
      stringList(arg(directive, "permissions"), `${where}(permissions:)`),
      `${where}(permissions:)`,
    );
    if (permissions && permissions.length > 0) {
      out = both(out, { scopes: [], permissions: [...new Set(permissions)] }) ?? out;
    }
    const level = authLevel(directive, where);
    if (level) out = both(out, { scopes: [], permissions: [], levels: [level] }) ?? out;
    const orgs = nonEmpty(
      stringList(arg(directive, "organization"), `${where}(organization:)`),
      `${where}(organization:)`,
    );
    if (orgs) {
      const list = wrap(() => checkOrganizations(orgs, `${where}(organization:)`));
      out = both(out, { scopes: [], permissions: [], organizations: [list] }) ?? out;
    }
    const policy = arg(directive, "policy");
    if (policy && policy.kind !== Kind.NULL) {
      const [p] = [scopeName(policy, `${where}(policy:)`)];
      out =
        both(out, { scopes: [], permissions: [], policies: [[[knownPolicy(p, where, names)]]] }) ??
        out;
    }
    return out;
  }
  if (names.authenticated.has(name)) return AUTHENTICATED;
  if (names.policy.has(name)) {
    const groups = clause(arg(directive, "policies"), `${where}(policies:)`);
    if (!groups)
      throw schemaError(where, 'needs a policies argument, e.g. policies: [["isOwner"]]');
    for (const g of groups) for (const p of g) knownPolicy(p, where, names);
    return { scopes: [], permissions: [], policies: [groups] };
  }
  const scopes = clause(arg(directive, "scopes"), `${where}(scopes:)`);
  if (!scopes) throw schemaError(where, 'needs a scopes argument, e.g. scopes: [["read:x"]]');
  return { scopes: [scopes], permissions: [] };
}

/** `acr:` / `maxAge:` of `@auth`, validated like `requireAuthLevel`'s level. */
function authLevel(directive: ConstDirectiveNode, where: string): AuthLevel | undefined {
  const acr = nonEmpty(stringList(arg(directive, "acr"), `${where}(acr:)`), `${where}(acr:)`);
  const maxAgeNode = arg(directive, "maxAge");
  let maxAge: number | undefined;
  if (maxAgeNode && maxAgeNode.kind !== Kind.NULL) {
    if (maxAgeNode.kind !== Kind.INT)
      throw schemaError(`${where}(maxAge:)`, "takes an Int (seconds)");
    maxAge = Number(maxAgeNode.value);
  }
  if (acr === undefined && maxAge === undefined) return undefined;
  return wrap(() => checkAuthLevel({ acr, maxAge }, `${where}`));
}

/** A policy name the `Auth` declares; otherwise the field could not be enforced. */
function knownPolicy(name: string, where: string, names: DirectiveNames): string {
  const known = names.policyNames;
  if (!known) {
    throw schemaError(
      where,
      `cannot be enforced: no policy handler is configured for ${JSON.stringify(name)}; use useAuth(auth) / apolloAuthPlugin(auth), or authDirective(schema, { policies: auth.policyNames })`,
    );
  }
  if (!known.has(name)) {
    throw schemaError(
      where,
      `cannot be enforced: no policy handler named ${JSON.stringify(name)}; declare it in createAuth({ policies })${
        known.size > 0 ? ` (declared: ${[...known].join(", ")})` : ""
      }`,
    );
  }
  return name;
}

/** A core `ConfigurationError` re-labelled as a schema error (same message). */
function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      throw new ConfigurationError("schema", error.message.replace(/^scopegate: /, ""));
    }
    throw error;
  }
}

function arg(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

function schemaError(where: string, fix: string): ConfigurationError {
  return new ConfigurationError("schema", `${where} ${fix}`);
}

/** `[String!]` by GraphQL input coercion: a list of strings, or one string. */
function stringList(value: ConstValueNode | undefined, where: string): string[] | undefined {
  if (!value || value.kind === Kind.NULL) return undefined;
  const items = value.kind === Kind.LIST ? value.values : [value];
  return items.map((item) => scopeName(item, where));
}

/** An explicitly empty list is refused, as `requireScopes()` refuses no scope. */
function nonEmpty(list: string[] | undefined, where: string): string[] | undefined {
  if (list && list.length === 0) {
    throw schemaError(
      where,
      "is empty: list at least one name, or use @auth alone for any valid token",
    );
  }
  return list;
}

function scopeName(item: ConstValueNode, where: string): string {
  if (item.kind !== Kind.STRING) throw schemaError(where, "takes strings only");
  const s = item.value;
  if (s.includes(",")) {
    throw schemaError(
      where,
      `has ${JSON.stringify(s)} with a comma: names are separate list items (RFC 6749 §3.3 separates scopes by spaces); write [${s
        .split(",")
        .filter(Boolean)
        .map((x) => JSON.stringify(x.trim()))
        .join(", ")}]`,
    );
  }
  if (s === "" || /\s/.test(s)) {
    throw schemaError(
      where,
      `has an invalid name ${JSON.stringify(s)}: one non-empty name without spaces per item`,
    );
  }
  return s;
}

/** `[[String!]!]` by GraphQL input coercion; an empty list or an empty group is an error. */
function clause(value: ConstValueNode | undefined, where: string): ScopeClause | undefined {
  if (!value || value.kind === Kind.NULL) return undefined;
  const groups = value.kind === Kind.LIST ? value.values : [value];
  if (groups.length === 0) {
    throw schemaError(
      where,
      "is empty: it would deny every token; list at least one group of scopes, or use @auth alone for any valid token",
    );
  }
  return groups.map((group) => {
    const scopes = stringList(group, where) ?? [];
    if (scopes.length === 0) {
      throw schemaError(
        where,
        "has an empty group: it would allow any valid token; remove it, or use @auth alone for that",
      );
    }
    return [...new Set(scopes)];
  });
}
