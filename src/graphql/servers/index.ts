/**
 * Thin helpers for GraphQL servers other than graphql-yoga (graphql-http, Mercurius, a bare
 * envelop server, graphql-ws), one file per server. Each one calls {@link checkOperation}
 * between validation and execution and turns its denial into what that server understands.
 * They are typed structurally: none of those servers is imported, so `scopegate/graphql`
 * compiles without them.
 */
export { type HttpResult, httpResult } from "./envelop.js";
export {
  type GraphqlHttpAuth,
  type GraphqlHttpAuthOptions,
  type GraphqlHttpRequestLike,
  type GraphqlHttpResponse,
  graphqlHttpAuth,
} from "./graphql-http.js";
export {
  type GraphqlWsAuth,
  type GraphqlWsAuthOptions,
  type GraphqlWsContextLike,
  graphqlWsAuth,
} from "./graphql-ws.js";
export {
  type MercuriusAppLike,
  type MercuriusAuthOptions,
  type MercuriusPreExecution,
  type MercuriusReplyLike,
  mercuriusAuth,
} from "./mercurius.js";
