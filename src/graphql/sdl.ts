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
 * - `acr: ["…"]`, `maxAge: 300`: step-up (RFC 9470) — the login's `acr` is one of them
 *   (Auth0's MFA value is also met by `amr` holding `"mfa"`), `auth_time` at most `maxAge`
 *   seconds ago; otherwise 401 `insufficient_user_authentication` with `acr_values` /
 *   `max_age` in the challenge.
 * - `policy: "isOwner"`: the named policy of `createAuth({ policies })` allows, given the
 *   field's arguments (and the parent object for `{ usesParent: true }` policies).
 * - `organization: ["org_…", "name"]`: the token's Auth0 organization is one of them (403).
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
  "directive @auth(scopes: [String!], anyOf: [[String!]!], permissions: [String!], acr: [String!], maxAge: Int, policy: String, organization: [String!]) on OBJECT | INTERFACE | FIELD_DEFINITION";
