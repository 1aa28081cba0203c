import {
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
} from "graphql";
import { type DirectiveNames, readRequirement } from "./directives.js";
import { extensionDirectives } from "./extensions.js";
import { all, both, type Requirement } from "./requirements.js";

/** The requirements of one schema, computed once by the transform; internal. */
export interface RequirementIndex {
  /** Requirement of `type.name` (field AND parent type AND return type), or `null`. */
  field(type: GraphQLObjectType, name: string): Requirement | null;
  /** Fields that need a resolver wrapper: protected ones, and those selectable through an interface whose other implementations are protected. */
  readonly wrapped: ReadonlyMap<GraphQLObjectType, ReadonlySet<string>>;
}

const isUserType = (type: GraphQLNamedType): boolean => !type.name.startsWith("__");

/**
 * Walks `schema.getTypeMap()` and reads `@auth` (and, unless turned off, Federation's
 * `@authenticated` / `@requiresScopes`, by their `@link` names) from `astNode`,
 * `extensionASTNodes` and code-first `extensions.directives` of every type and field.
 * Throws a `ConfigurationError` for an invalid directive use and for a policy name that is
 * not in `names.policyNames`.
 */
export function collectRequirements(
  schema: GraphQLSchema,
  names: DirectiveNames,
): RequirementIndex {
  const relevant = (name: string) =>
    name === names.auth ||
    names.authenticated.has(name) ||
    names.requiresScopes.has(name) ||
    names.policy.has(name);
  // Code-first: graphql-tools' `extensions.directives` (object or Pothos array form).
  const coded = (extensions: unknown, coordinate: string) => ({
    directives: extensionDirectives(extensions, coordinate, relevant),
  });
  const own = new Map<GraphQLNamedType, Requirement | null>();
  const ownOf = (type: GraphQLNamedType): Requirement | null => {
    if (!own.has(type)) {
      own.set(
        type,
        readRequirement(
          [type.astNode, ...(type.extensionASTNodes ?? []), coded(type.extensions, type.name)],
          type.name,
          names,
        ),
      );
    }
    return own.get(type) ?? null;
  };
  // A type-level requirement of an interface applies to every implementation.
  const typeOf = (type: GraphQLNamedType): Requirement | null =>
    isObjectType(type) || isInterfaceType(type)
      ? all([ownOf(type), ...type.getInterfaces().map(ownOf)])
      : ownOf(type);
  const fieldOwn = (type: GraphQLNamedType, field: GraphQLField<unknown, unknown>) => {
    const coordinate = `${type.name}.${field.name}`;
    return readRequirement([field.astNode, coded(field.extensions, coordinate)], coordinate, names);
  };

  const fields = new Map<GraphQLObjectType, Map<string, Requirement>>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isUserType(type)) continue;
    ownOf(type); // validates directives on every type, also unused ones
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const own = fieldOwn(type, field); // validates interface fields too
      if (!isObjectType(type)) continue;
      const inherited = type.getInterfaces().map((i) => {
        const f = i.getFields()[field.name];
        return f ? fieldOwn(i, f) : null;
      });
      const requirement = all([own, ...inherited, typeOf(type), typeOf(getNamedType(field.type))]);
      if (!requirement) continue;
      const map = fields.get(type) ?? new Map<string, Requirement>();
      fields.set(type, map);
      map.set(field.name, requirement);
    }
  }

  const field = (type: GraphQLObjectType, name: string) => fields.get(type)?.get(name) ?? null;
  const wrapped = new Map<GraphQLObjectType, Set<string>>();
  const mark = (type: GraphQLObjectType, name: string) => {
    const set = wrapped.get(type) ?? new Set<string>();
    wrapped.set(type, set);
    set.add(name);
  };
  for (const [type, map] of fields) for (const name of map.keys()) mark(type, name);
  // A field selected through an interface is checked against every implementation, so an
  // unprotected implementation's field can be denied too: it needs a wrapper for `filter`.
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInterfaceType(type) || !isUserType(type)) continue;
    const impls = schema.getPossibleTypes(type);
    for (const name of Object.keys(type.getFields())) {
      if (impls.some((t) => field(t, name))) for (const t of impls) mark(t, name);
    }
  }
  return { field, wrapped };
}

/** AND of the requirement of `name` on every possible type; internal. */
export function fieldOnAll(
  index: RequirementIndex,
  types: readonly GraphQLObjectType[],
  name: string,
): Requirement | null {
  let out: Requirement | null = null;
  for (const t of types) out = both(out, index.field(t, name));
  return out;
}
