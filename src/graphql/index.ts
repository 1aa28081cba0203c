/**
 * `scopegate/graphql`: the `@auth` directive, its schema transform, the framework-neutral
 * {@link checkOperation} and the graphql-yoga / envelop plugin {@link useAuth}. Type your
 * resolvers' context with {@link AuthPluginContext}.
 *
 * @example
 * ```ts
 * import { createSchema, createYoga } from "graphql-yoga";
 * import { createAuth } from "scopegate";
 * import { type AuthPluginContext, authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
 *
 * const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com" });
 * const schema = createSchema<AuthPluginContext>({
 *   typeDefs: [authDirectiveTypeDefs, typeDefs],
 *   resolvers, // (_, __, ctx) => ctx.auth.claims()
 * });
 * const yoga = createYoga({ schema, plugins: [useAuth(auth)] });
 * ```
 *
 * @module scopegate/graphql
 */
export {
  type AuthErrorExtensions,
  type GraphQLAuthErrorCode,
  isAuthError,
  type ToGraphQLErrorOptions,
  toGraphQLError,
} from "./errors.js";
export {
  type AuthMode,
  type CheckOperationArgs,
  checkOperation,
  type OperationDenial,
} from "./operation.js";
export {
  type AuthEnvelopPlugin,
  type AuthPluginContext,
  type EnvelopExecutionArgs,
  type EnvelopOperationPayload,
  type UseAuthOptions,
  useAuth,
} from "./plugin.js";
export { authDirectiveTypeDefs } from "./sdl.js";
export {
  type GraphqlHttpAuth,
  type GraphqlHttpAuthOptions,
  type GraphqlHttpRequestLike,
  type GraphqlHttpResponse,
  type GraphqlWsAuth,
  type GraphqlWsAuthOptions,
  type GraphqlWsContextLike,
  graphqlHttpAuth,
  graphqlWsAuth,
  type HttpResult,
  httpResult,
  type MercuriusAppLike,
  type MercuriusAuthOptions,
  type MercuriusPreExecution,
  type MercuriusReplyLike,
  mercuriusAuth,
} from "./servers/index.js";
export { type AuthDirectiveOptions, authDirective } from "./transform.js";
