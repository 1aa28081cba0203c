/**
 * Type test (checked by `npm run typecheck`, not run by vitest): the documented yoga paths
 * compile with a typed context, and useAuth is refused by Apollo Server's plugin type.
 */
import { ApolloServer } from "@apollo/server";
import { envelop, useEngine, useSchema } from "@envelop/core";
import { execute, parse, subscribe, validate } from "graphql";
import { createSchema, createYoga, type YogaInitialContext } from "graphql-yoga";
import { createAuth } from "scopegate";
import {
  type AuthPluginContext,
  authDirectiveTypeDefs,
  type CheckOperationArgs,
  checkOperation,
  type OperationDenial,
  useAuth,
} from "scopegate/graphql";

const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com" });
type Claims = Awaited<ReturnType<typeof auth.verify>>;

// 1. yoga's createSchema<Ctx>: the resolver context is typed from AuthPluginContext.
const schema = createSchema<AuthPluginContext<Claims>>({
  typeDefs: [authDirectiveTypeDefs, "type Query { me: String @auth }"],
  resolvers: {
    Query: {
      me: async (_parent, _args, ctx) => {
        const claims = await ctx.auth.require();
        const sub: string | undefined = claims.sub;
        return sub ?? null;
      },
    },
  },
});
export const withPlugin = createYoga({ schema, plugins: [useAuth(auth)] });
// 2. A context factory of your own next to the plugin (the plugin's `auth` is per request).
//    `context: auth.createAuthContext` as it is also type-checks (test/types/yoga-context.typecheck.ts).
export const withContext = createYoga({
  schema,
  context: ({ request }: YogaInitialContext) => auth.createAuthContext(request),
  plugins: [useAuth(auth, { mode: "filter" })],
});
// 3. The untyped AuthPluginContext default also works.
export const untyped = createYoga({
  schema: createSchema<AuthPluginContext>({ typeDefs: "type Query { x: String }" }),
  plugins: [useAuth(auth)],
});

// 4. Apollo Server: useAuth is a type error (and throws at start-up).
// @ts-expect-error useAuth is not an Apollo Server plugin; use scopegate/apollo
export const apollo = new ApolloServer({ schema, plugins: [useAuth(auth)] });

// 5. checkOperation's types.
export async function check(args: CheckOperationArgs): Promise<number> {
  const denial: OperationDenial | null = await checkOperation(args);
  return denial ? denial.status : 200;
}

// 6. A bare envelop takes the structural plugin as it is.
export const getEnveloped = envelop({
  plugins: [useEngine({ parse, validate, execute, subscribe }), useSchema(schema), useAuth(auth)],
});
