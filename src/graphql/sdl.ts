/**
 * The SDL of the `@auth` directive. Add it to your type definitions, then apply
 * {@link authDirective} (or let `useAuth` apply it) to the built schema.
 *
 * - `@auth` alone: any valid access token.
 * - `scopes: ["a", "b"]`: the token holds all of them.
 * - `anyOf: [["a", "b"], ["admin"]]`: the token holds every scope of at least one group
 *   (the meaning of Apollo's `@requiresScopes`).
 * - `permissions: ["read:users"]`: the token's Auth0 RBAC `permissions` claim holds all of
 *   them (permissions are not scopes).
 *
 * Arguments given together must all hold. An argument scopegate does not know (a typo,
 * or one of another library's `@auth`) is a `ConfigurationError` at transform time.
 *
 * The SDL alone protects nothing: a schema built with it is enforced only once
 * {@link authDirective} has run on it, or `useAuth` / `checkOperation` / `scopegate/apollo`
 * sees it (they apply the transform). A schema that meets none of them is served open.
 *
 * @example
 * ```ts
 * const schema = createSchema({
 *   typeDefs: [authDirectiveTypeDefs, `type Query { me: User @auth }`],
 *   resolvers,
 * });
 * ```
 */
export const authDirectiveTypeDefs =
  "directive @auth(scopes: [String!], anyOf: [[String!]!], permissions: [String!]) on OBJECT | INTERFACE | FIELD_DEFINITION";
