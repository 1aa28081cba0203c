/**
 * Type test (checked by `npm run typecheck`): without a `claims` schema the verified claims
 * have `iss` (string), `exp` (number) and `aud` (string | string[]) — the verifier refuses a
 * token without them — in `auth.verify`, tRPC's `ctx.claims` and GraphQL's `ctx.auth`;
 * `sub`, `iat`, `jti` stay optional (only `strict` / `requiredClaims` demand them).
 */
import { initTRPC } from "@trpc/server";
import { type AccessTokenClaims, type ClaimsOf, createAuth } from "scopegate";
import type { AuthPluginContext } from "scopegate/graphql";
import { type AuthContext, requireAuth } from "scopegate/trpc";
import { expectTypeOf } from "vitest";

const auth = createAuth({ domain: "tenant.us.auth0.com", audience: "https://api.example.com" });

// 1. auth.verify and ClaimsOf.
type Verified = Awaited<ReturnType<typeof auth.verify>>;
expectTypeOf<Verified>().toEqualTypeOf<AccessTokenClaims>();
expectTypeOf<ClaimsOf<undefined>>().toEqualTypeOf<AccessTokenClaims>();
expectTypeOf<AccessTokenClaims["iss"]>().toEqualTypeOf<string>();
expectTypeOf<AccessTokenClaims["exp"]>().toEqualTypeOf<number>();
expectTypeOf<AccessTokenClaims["aud"]>().toEqualTypeOf<string | string[]>();
expectTypeOf<AccessTokenClaims["sub"]>().toEqualTypeOf<string | undefined>();
expectTypeOf<AccessTokenClaims["iat"]>().toEqualTypeOf<number | undefined>();
expectTypeOf<AccessTokenClaims["jti"]>().toEqualTypeOf<string | undefined>();

// 2. tRPC: ctx.claims after requireAuth().
const t = initTRPC.context<AuthContext>().create();
export const router = t.router({
  me: t.procedure.use(requireAuth()).query(({ ctx }) => {
    const iss: string = ctx.claims.iss;
    const exp: number = ctx.claims.exp;
    const aud: string | string[] = ctx.claims.aud;
    // @ts-expect-error sub stays optional: not every token has one
    const sub: string = ctx.claims.sub;
    return { iss, exp, aud, sub };
  }),
});

// 3. GraphQL: ctx.auth.require().
export async function resolver(ctx: AuthPluginContext<Verified>): Promise<number> {
  const claims = await ctx.auth.require();
  const seconds: number = claims.exp - Math.floor(Date.now() / 1000);
  // @ts-expect-error iat stays optional
  const iat: number = claims.iat;
  return seconds + iat;
}

// 4. A `claims` schema's output is the type, as it is (a schema may strip keys).
declare const schema: import("scopegate").StandardSchemaV1<unknown, { sub: string }>;
const typed = createAuth({ domain: "tenant.us.auth0.com", audience: "a", claims: schema });
expectTypeOf(typed.verify).returns.resolves.toEqualTypeOf<{ sub: string }>();
