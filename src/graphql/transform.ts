import {
  defaultFieldResolver,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from "graphql";
import { ConfigurationError, UnauthorizedError } from "scopegate";
import { enforce, expiredError } from "./check.js";
import { collectRequirements } from "./collect.js";
import { toGraphQLError } from "./errors.js";
import { directiveNames } from "./names.js";
import type { Requirement } from "./requirements.js";
import {
  authStateOf,
  indexes,
  isExpiryJudged,
  markExpiryJudged,
  pathArray,
  pathKey,
  plans,
} from "./state.js";
import { endAtExpiry } from "./subscription.js";

/**
 * Options of {@link authDirective}.
 *
 * @example
 * ```ts
 * authDirective(schema, { directiveName: "protected", federation: false });
 * ```
 */
export interface AuthDirectiveOptions {
  /** Name of scopegate's directive in your SDL. @default "auth" */
  directiveName?: string;
  /** Also read Apollo Federation's `@authenticated`, `@requiresScopes` and `@policy`. @default true */
  federation?: boolean;
  /**
   * The policy names of the `Auth` (`auth.policyNames`; `useAuth` and `apolloAuthPlugin`
   * pass them). A schema naming a policy (`@auth(policy:)`, `@policy`) that is not among
   * them — or naming any policy when this is not given — is a `ConfigurationError` here.
   */
  policies?: readonly string[] | undefined;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const wrappedFields = new WeakSet<object>();

/**
 * Applies `@auth` (and Federation's `@authenticated` / `@requiresScopes`) to a schema built
 * from SDL: reads the directives once, then wraps `resolve` (and `subscribe`) of every
 * protected field so that the schema fails closed even when it is executed without the
 * `useAuth` plugin (`graphql()`, `execute()`, another server). The wrappers read
 * `context.auth` (from `auth.createAuthContext`); a context without it is denied.
 *
 * The schema is changed in place and returned (calling it twice is harmless). A field's
 * requirement is its own directive AND its parent type's (and the parent's interfaces') AND
 * its return type's. Schema errors (`@auth(anyOf: [])`, an empty group, a scope with a
 * space) throw a `ConfigurationError` here, at start-up.
 *
 * Not done here: checks before execution, the HTTP status, and the interface / union rule
 * for fields selected through an abstract type; those are `checkOperation`'s (and so
 * `useAuth`'s). Directives are read from the AST (SDL-first schemas, Pothos' directives
 * plugin, TypeGraphQL `@Directive`) and from graphql-tools' `extensions.directives`
 * (code-first graphql-js, Nexus, Pothos: `{ auth: { scopes } }` or
 * `[{ name: "auth", args: { scopes } }]`), with the same validation. Federation's
 * directives are also read under the names the schema's `@link(import:)` gives them; a
 * `@policy(policies: [["a", "b"], ["c"]])` (OR of AND) runs the named policies of
 * `createAuth({ policies })`; a policy name not in `options.policies` is a
 * `ConfigurationError` here. Policies reading only arguments are checked before execution by
 * `checkOperation`; `usesParent` ones here, at resolve time, once per parent object.
 *
 * @example
 * ```ts
 * import { createSchema } from "graphql-yoga";
 * import { authDirective, authDirectiveTypeDefs } from "scopegate/graphql";
 *
 * const schema = authDirective(
 *   createSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers }),
 * );
 * await graphql({ schema, source, contextValue: auth.createAuthContext(request) });
 * ```
 */
export function authDirective(
  schema: GraphQLSchema,
  options: AuthDirectiveOptions = {},
): GraphQLSchema {
  const auth = options.directiveName ?? "auth";
  if (typeof auth !== "string" || !NAME.test(auth)) {
    throw new ConfigurationError("directiveName", 'must be a GraphQL name, e.g. "auth"');
  }
  if (indexes.has(schema)) return schema;
  const names = {
    ...directiveNames(schema, auth, options.federation !== false),
    policyNames: options.policies ? new Set(options.policies) : null,
  };
  const index = collectRequirements(schema, names);
  const subscription = schema.getSubscriptionType();
  for (const [type, names] of index.wrapped) {
    const fields = type.getFields();
    for (const name of names) {
      const field = fields[name];
      if (field) wrap(field, index.field(type, name), type === subscription);
    }
  }
  indexes.set(schema, index);
  return schema;
}

type Resolver = GraphQLFieldResolver<unknown, unknown>;

function wrap(
  field: GraphQLField<unknown, unknown>,
  requirement: Requirement | null,
  root: boolean,
) {
  if (wrappedFields.has(field)) return;
  wrappedFields.add(field);
  field.resolve = guard(field.resolve ?? defaultFieldResolver, requirement);
  if (root && requirement) field.subscribe = subscribeGuard(field.subscribe, requirement);
}

/** The source event a subscription gets at the token's `exp`: its resolver denies it. */
const EXPIRED: unique symbol = Symbol("scopegate.expired");

/**
 * `subscribe` of a protected root field: checked at subscribe, and the event stream ends
 * at the token's `exp` with one final error (the resolver denies the `EXPIRED` event), then
 * completes. An event the source produces at or after `exp` becomes that `EXPIRED` event;
 * one produced before is resolved, however late its resolvers run (the operation is marked
 * with `markExpiryJudged`). Where `useAuth` already ends the stream (it marked the operation
 * first), this stands down. Covers the transform-only path (`subscribe()`,
 * graphql-ws without the plugin).
 */
function subscribeGuard(next: Resolver | undefined, requirement: Requirement): Resolver {
  const inner = next ?? defaultFieldResolver;
  return async function scopegateSubscribe(source, args, context, info) {
    await enforce(context, requirement, info, args, source, "subscribe");
    const stream: unknown = await inner(source, args, context, info);
    const state = authStateOf(context);
    const exp = state?.expiresAt();
    const ctx = typeof context === "object" && context !== null ? context : undefined;
    if (
      !ctx ||
      exp === undefined ||
      isExpiryJudged(ctx, info.operation) ||
      !isAsyncIterable(stream)
    ) {
      return stream;
    }
    markExpiryJudged(ctx, info.operation);
    return endAtExpiry(stream, exp, () => EXPIRED, { dropLate: true });
  };
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === "object" && v !== null && Symbol.asyncIterator in v;

function guard(next: Resolver, requirement: Requirement | null): Resolver {
  return function scopegateGuard(source, args, context, info: GraphQLResolveInfo) {
    // `filter` mode: what useAuth decided before execution (the interface rule included).
    const plan = typeof context === "object" && context !== null ? plans.get(context) : undefined;
    if (plan && plan.operation === info.operation) {
      const denied = plan.denied.get(pathKey(info.path));
      if (denied)
        throw toGraphQLError(denied, { nodes: info.fieldNodes, path: pathArray(info.path) });
    }
    if (source === EXPIRED) {
      const state = authStateOf(context);
      const error = state
        ? expiredError(state)
        : new UnauthorizedError("authentication required", { reason: "missing_token" });
      throw toGraphQLError(error, { nodes: info.fieldNodes, path: pathArray(info.path) });
    }
    if (!requirement) return next(source, args, context, info);
    return enforce(context, requirement, info, args, source).then(() =>
      next(source, args, context, info),
    );
  };
}
