/**
 * The shared suite's servers under test, in-process: a tRPC router behind the fetch adapter
 * and a graphql-yoga server with the `@auth` directive, both guarded by scopegate.
 */
import { initTRPC } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createSchema, createYoga } from "graphql-yoga";
import type { AccessTokenClaims, Auth, AuthState } from "scopegate";
import { authDirective, authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
import { errorFormatter, requireAuth, requireScopes } from "scopegate/trpc";
import { ORIGIN } from "./tokens.js";

/** `whoami` (any token) and `messages` (scope `read:messages`) at `/trpc`. */
export function buildTrpc(auth: Auth<AccessTokenClaims>) {
  const t = initTRPC.context<{ auth: AuthState<AccessTokenClaims> }>().create({ errorFormatter });
  const router = t.router({
    whoami: t.procedure.use(requireAuth()).query(({ ctx }) => ({ sub: ctx.claims.sub ?? null })),
    messages: t.procedure
      .use(requireScopes("read:messages"))
      .query(({ ctx }) => ({ owner: ctx.claims.sub ?? null, messages: ["hello"] })),
  });
  return (req: Request) =>
    fetchRequestHandler({ endpoint: "/trpc", req, router, createContext: auth.createAuthContext });
}

/** `hello` (public), `me` (`@auth`), `messages` (`@auth(scopes)`); returns a POST-a-query. */
export function buildYoga(auth: Auth<AccessTokenClaims>) {
  const yoga = createYoga({
    schema: authDirective(
      createSchema({
        typeDefs: [
          authDirectiveTypeDefs,
          /* GraphQL */ `
            type Query {
              hello: String!
              me: String! @auth
              messages: [String!]! @auth(scopes: ["read:messages"])
            }
          `,
        ],
        resolvers: {
          Query: {
            hello: () => "hello",
            me: async (_: unknown, __: unknown, ctx: { auth: AuthState<AccessTokenClaims> }) =>
              (await ctx.auth.require()).sub ?? "",
            messages: () => ["hello"],
          },
        },
      }),
    ),
    plugins: [useAuth(auth)],
    logging: false,
    graphiql: false,
  });
  return (query: string, headers: Record<string, string> = {}) =>
    yoga.fetch(`${ORIGIN}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify({ query }),
    });
}
