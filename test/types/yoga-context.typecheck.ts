/**
 * Type test (checked by `npm run typecheck`): graphql-yoga with `context: auth.createAuthContext`
 * as it is, next to `createSchema<…>` typed from the auth context. yoga infers its server
 * context from the factory's (last) parameter type; the whole `AuthContextInput` union used to
 * make it demand a Lambda `event` of the schema context (TS2322).
 */
import { createServer } from "node:http";
import { createSchema, createYoga, type YogaInitialContext } from "graphql-yoga";
import { type AuthContextInput, type AuthState, createAuth } from "scopegate";
import { type AuthPluginContext, useAuth } from "scopegate/graphql";
import { expectTypeOf } from "vitest";

const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com" });
type Claims = Awaited<ReturnType<typeof auth.verify>>;
const typeDefs = "type Query { me: String }";

// 1. createSchema<YogaInitialContext & AuthPluginContext> with the factory as it is.
export const yoga = createYoga({
  schema: createSchema<YogaInitialContext & AuthPluginContext<Claims>>({
    typeDefs,
    resolvers: {
      Query: {
        me: async (_parent, _args, ctx) => {
          const claims = await ctx.auth.require();
          const url: string = ctx.request.url;
          return `${claims.iss} ${url}`;
        },
      },
    },
  }),
  context: auth.createAuthContext,
});
// …and served by node:http.
export const server = createServer(yoga);

// 2. createSchema<AuthPluginContext> and the plugin next to the factory.
export const withPlugin = createYoga({
  schema: createSchema<AuthPluginContext<Claims>>({ typeDefs }),
  context: auth.createAuthContext,
  plugins: [useAuth(auth, { mode: "filter" })],
});

// 3. The other inputs still type-check when called directly.
declare const input: AuthContextInput;
expectTypeOf(auth.createAuthContext(input)).toEqualTypeOf<{ auth: AuthState<Claims> }>();
expectTypeOf(auth.createAuthContext(new Request("http://127.0.0.1/"))).toEqualTypeOf<{
  auth: AuthState<Claims>;
}>();
auth.createAuthContext({ headers: { authorization: "Bearer x" } });
auth.createAuthContext({ event: { headers: {} } });
