import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { fieldOnAll, type RequirementIndex } from "./collect.js";
import { all, type Requirement } from "./requirements.js";

/** A selected field that needs something, in document order; internal. */
export interface ProtectedSelection {
  /** Response path (aliases, no list indices). */
  readonly path: readonly string[];
  /** `path.join(".")`. */
  readonly key: string;
  /** The first field node at that path, for error locations. */
  readonly node: FieldNode;
  readonly requirement: Requirement;
  /** The field's definition on one of the types it may resolve on (for its arguments). */
  readonly field: GraphQLField<unknown, unknown> | undefined;
}

type Variables = Readonly<Record<string, unknown>> | null | undefined;

/** The operation to run: by name, or the only one; internal. */
export function findOperation(
  document: DocumentNode,
  name: string | null | undefined,
): OperationDefinitionNode | undefined {
  let found: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    if (name) {
      if (def.name?.value === name) return def;
    } else {
      if (found) return undefined;
      found = def;
    }
  }
  return found;
}

/**
 * Every selected field of an operation that has a requirement, as it will execute: named
 * and inline fragments followed, `@skip` / `@include` applied with the request's variables
 * (a condition that cannot be read counts as "selected": fail closed), `__typename` and
 * introspection left out. A field selected through an interface or a union is checked
 * against every concrete type it may resolve to there: its requirement is the AND over those
 * types. Fields merged at one response path are reported once, their requirements ANDed.
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  index: RequirementIndex,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
): ProtectedSelection[] {
  const root = schema.getRootType(operation.operation);
  if (!root) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const included = inclusion(operation, variables);
  const found = new Map<
    string,
    {
      node: FieldNode;
      path: string[];
      requirements: Requirement[];
      field: GraphQLField<unknown, unknown> | undefined;
    }
  >();
  const possibleOf = (type: GraphQLNamedType | null | undefined): readonly GraphQLObjectType[] =>
    isObjectType(type) ? [type] : isAbstractType(type) ? schema.getPossibleTypes(type) : [];

  const walk = (
    set: SelectionSetNode,
    possible: readonly GraphQLObjectType[],
    path: readonly string[],
    expanding: ReadonlySet<string>,
  ): void => {
    for (const sel of set.selections) {
      if (!included(sel.directives)) continue;
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name.startsWith("__")) continue; // __typename, __schema, __type: always allowed
        const here = [...path, sel.alias?.value ?? name];
        const requirement = fieldOnAll(index, possible, name);
        if (requirement) {
          const key = here.join(".");
          const seen = found.get(key);
          if (seen) seen.requirements.push(requirement);
          else {
            const field = possible.map((t) => t.getFields()[name]).find((f) => f !== undefined);
            found.set(key, { node: sel, path: here, requirements: [requirement], field });
          }
        }
        if (!sel.selectionSet) continue;
        const children = new Set<GraphQLObjectType>();
        for (const t of possible) {
          const f = t.getFields()[name];
          if (f) for (const c of possibleOf(getNamedType(f.type))) children.add(c);
        }
        walk(sel.selectionSet, [...children], here, expanding);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, narrow(possible, sel.typeCondition?.name.value), path, expanding);
      } else {
        const name = sel.name.value;
        const def = fragments.get(name);
        if (!def || expanding.has(name)) continue;
        const next = new Set([...expanding, name]);
        walk(def.selectionSet, narrow(possible, def.typeCondition.name.value), path, next);
      }
    }
  };
  const narrow = (possible: readonly GraphQLObjectType[], condition: string | undefined) => {
    if (condition === undefined) return possible;
    const type = schema.getType(condition);
    if (!isCompositeType(type)) return [];
    const allowed = new Set(possibleOf(type));
    return possible.filter((t) => allowed.has(t));
  };
  walk(operation.selectionSet, [root], [], new Set());

  return [...found].map(([key, { node, path, requirements, field }]) => ({
    key,
    node,
    path,
    requirement: all(requirements) as Requirement,
    field,
  }));
}

/** Reads `@skip(if:)` / `@include(if:)` with the request's variables and their defaults. */
function inclusion(operation: OperationDefinitionNode, variables: Variables) {
  const defaults = new Map<string, boolean>();
  for (const def of operation.variableDefinitions ?? []) {
    const value = def.defaultValue;
    if (value?.kind === Kind.BOOLEAN) defaults.set(def.variable.name.value, value.value);
  }
  const condition = (directive: DirectiveNode): boolean | undefined => {
    const value = directive.arguments?.find((a) => a.name.value === "if")?.value;
    if (value?.kind === Kind.BOOLEAN) return value.value;
    if (value?.kind !== Kind.VARIABLE) return undefined;
    const name = value.name.value;
    if (variables && Object.hasOwn(variables, name)) {
      const given = variables[name];
      return typeof given === "boolean" ? given : undefined;
    }
    return defaults.get(name);
  };
  return (directives: readonly DirectiveNode[] | undefined): boolean => {
    for (const d of directives ?? []) {
      const name = d.name.value;
      if (name !== "skip" && name !== "include") continue;
      const value = condition(d);
      if (value !== undefined && (name === "skip") === value) return false;
    }
    return true;
  };
}
