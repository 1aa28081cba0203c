/**
 * graphql-ws (WebSocket) on node:http, protected by `graphqlWsAuth`: a protected operation
 * without a valid token gets an `error` message; a subscription ends at the token's `exp`
 * with one `UNAUTHENTICATED` error, then `complete`.
 */
import { createServer } from "node:http";
import type { GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { Auth } from "scopegate";
import { type AuthMode, graphqlWsAuth } from "scopegate/graphql";
import { WebSocketServer } from "ws";
import { listen, type RecipeServer } from "./listen.js";

/** Starts graphql-ws on 127.0.0.1 (`ws://…/graphql`) with the schema's `@auth` enforced. */
export async function startGraphqlWs<Claims>(
  auth: Auth<Claims>,
  schema: GraphQLSchema,
  mode: AuthMode = "reject",
): Promise<RecipeServer> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  // #region recipe
  const wss = new WebSocketServer({ server, path: "/graphql" });
  const ws = useServer(graphqlWsAuth(auth, { schema, mode }), wss);
  // #endregion recipe
  const running = await listen(server);
  return {
    url: running.url.replace(/^http/, "ws"),
    async close() {
      await ws.dispose();
      await running.close();
    },
  };
}
