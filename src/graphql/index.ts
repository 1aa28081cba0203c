/**
 * `scopegate/graphql`: the `@auth` directive, its schema transform and the graphql-yoga
 * plugin.
 *
 * @example
 * ```ts
 * import { createSchema, createYoga } from "graphql-yoga";
 * import { createAuth } from "scopegate";
 * import { authDirective, authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
 *
 * const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com" });
 * const schema = authDirective(
 *   createSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers }),
 * );
 * const yoga = createYoga({ schema, plugins: [useAuth(auth)] });
 * ```
 *
 * @packageDocumentation
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
} from "./servers.js";
export { type AuthDirectiveOptions, authDirective } from "./transform.js";
