/**
 * `scopegate/apollo`: the `@auth` protection of `scopegate/graphql` as an Apollo Server
 * (4 and 5) plugin, with Apollo's HTTP status and `WWW-Authenticate` headers.
 *
 * @example
 * ```ts
 * import { ApolloServer } from "@apollo/server";
 * import { createAuth } from "scopegate";
 * import { apolloAuthPlugin } from "scopegate/apollo";
 * import { authDirectiveTypeDefs } from "scopegate/graphql";
 *
 * const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com" });
 * const server = new ApolloServer({
 *   typeDefs: [authDirectiveTypeDefs, typeDefs],
 *   resolvers,
 *   plugins: [apolloAuthPlugin(auth)],
 * });
 * ```
 *
 * @module scopegate/apollo
 */
export { type ApolloAuthPluginOptions, apolloAuthPlugin } from "./plugin.js";
