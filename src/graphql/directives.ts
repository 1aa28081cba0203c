import { type ConstDirectiveNode, type ConstValueNode, Kind } from "graphql";
import { ConfigurationError } from "scopegate";
import { AUTHENTICATED, both, type Requirement, type ScopeClause } from "./requirements.js";

/** Which directives are read, by the name they have in this schema; internal. */
export interface DirectiveNames {
  /** Name of scopegate's directive (default `auth`). */
  readonly auth: string;
  /** Names meaning Federation's `@authenticated` (empty when Federation is off). */
  readonly authenticated: ReadonlySet<string>;
  /** Names meaning Federation's `@requiresScopes`. */
  readonly requiresScopes: ReadonlySet<string>;
  /** Names meaning Federation's `@policy` (refused: no policy handler). */
  readonly policy: ReadonlySet<string>;
}

/** Arguments each directive takes; an unknown one (a typo) is a schema error. */
const ARGS = {
  auth: new Set(["scopes", "anyOf", "permissions"]),
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
  if (names.policy.has(name)) {
    throw schemaError(
      where,
      "cannot be enforced: no policy handler is configured, so the field would be open; remove @policy or express the rule with @auth / @requiresScopes",
    );
  }
  const known =
    name === names.auth
      ? ARGS.auth
      : names.requiresScopes.has(name)
        ? ARGS.requiresScopes
        : names.authenticated.has(name)
          ? ARGS.authenticated
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
    return out;
  }
  if (names.authenticated.has(name)) return AUTHENTICATED;
  const scopes = clause(arg(directive, "scopes"), `${where}(scopes:)`);
  if (!scopes) throw schemaError(where, 'needs a scopes argument, e.g. scopes: [["read:x"]]');
  return { scopes: [scopes], permissions: [] };
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
