/**
 * Mercurius on Fastify, protected by `mercuriusAuth` (a preExecution hook): 401 / 403 with
 * `WWW-Authenticate` before anything executes.
 */
import Fastify from "fastify";
import type { GraphQLSchema } from "graphql";
import mercurius from "mercurius";
import type { Auth } from "scopegate";
import { type AuthMode, authDirective, mercuriusAuth } from "scopegate/graphql";
import type { RecipeServer } from "./listen.js";

/** Starts Mercurius (Fastify) on 127.0.0.1 with the schema's `@auth` enforced. */
export async function startMercurius<Claims>(
  auth: Auth<Claims>,
  schema: GraphQLSchema,
  mode: AuthMode = "reject",
): Promise<RecipeServer> {
  // #region recipe
  const app = Fastify();
  await app.register(mercurius, { schema: authDirective(schema) });
  await app.register(mercuriusAuth(auth, { mode }));
  // #endregion recipe
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url: `${address}/graphql`, close: () => app.close() };
}
