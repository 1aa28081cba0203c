/**
 * graphql-http (the reference GraphQL-over-HTTP server) on node:http, protected by
 * `graphqlHttpAuth`: 401 / 403 with `WWW-Authenticate` before anything executes.
 */
import { createServer } from "node:http";
import type { GraphQLSchema } from "graphql";
import { createHandler } from "graphql-http/lib/use/http";
import type { Auth } from "scopegate";
import { type AuthMode, graphqlHttpAuth } from "scopegate/graphql";
import { listen, type RecipeServer } from "./listen.js";

/** Starts graphql-http on 127.0.0.1 with the schema's `@auth` enforced. */
export function startGraphqlHttp<Claims>(
  auth: Auth<Claims>,
  schema: GraphQLSchema,
  mode: AuthMode = "reject",
): Promise<RecipeServer> {
  // #region recipe
  const handler = createHandler(graphqlHttpAuth(auth, { schema, mode }));
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/graphql")) void handler(req, res);
    else res.writeHead(404).end();
  });
  // #endregion recipe
  return listen(server);
}
