/**
 * Type test (checked by `npm run typecheck`, not run by vitest): `claims` and `requireClaims`
 * take any Standard Schema validator, typed from its output — a user's own zod 3.25 or valibot
 * copy included — and refuse anything else.
 */
import { type } from "arktype";
import { type ClaimsOf, createAuth, type StandardSchemaV1 } from "scopegate";
import { type AuthPluginContext, useAuth } from "scopegate/graphql";
import { requireClaims } from "scopegate/trpc";
import * as v from "valibot";
import { expectTypeOf } from "vitest";
import { z as z3 } from "zod3";

const base = { domain: "tenant.us.auth0.com", audience: "https://api.example.com" };

// 1. A zod 3.25 schema (the user's copy, not scopegate's zod 4) types the claims.
const zod3 = createAuth({ ...base, claims: z3.object({ sub: z3.string(), org: z3.string() }) });
expectTypeOf(zod3.verify).returns.resolves.toEqualTypeOf<{ sub: string; org: string }>();

// 2. valibot, through the GraphQL context type.
const valibot = createAuth({ ...base, claims: v.object({ sub: v.string(), n: v.number() }) });
type ValibotClaims = Awaited<ReturnType<typeof valibot.verify>>;
expectTypeOf<ValibotClaims>().toEqualTypeOf<{ sub: string; n: number }>();
export const plugin = useAuth(valibot);
export const resolver = async (_: unknown, __: unknown, ctx: AuthPluginContext<ValibotClaims>) => {
  const claims = await ctx.auth.require();
  expectTypeOf(claims.n).toEqualTypeOf<number>();
  return claims.sub;
};

// 3. arktype (its types are functions) and ClaimsOf.
const ark = type({ sub: "string" });
expectTypeOf<ClaimsOf<typeof ark>>().toEqualTypeOf<{ sub: string }>();
expectTypeOf(createAuth({ ...base, claims: ark }).verify).returns.resolves.toEqualTypeOf<{
  sub: string;
}>();

// 4. A hand-written validator is typed from its `types`.
declare const custom: StandardSchemaV1<unknown, { tenant: "acme" }>;
expectTypeOf(createAuth({ ...base, claims: custom }).verify).returns.resolves.toEqualTypeOf<{
  tenant: "acme";
}>();

// 5. Anything else is refused.
// @ts-expect-error a plain object is not a schema
createAuth({ ...base, claims: { sub: "string" } });
// @ts-expect-error a predicate is not a claims schema (use tRPC's requireClaims for that)
createAuth({ ...base, claims: (c: unknown) => c !== null });
// @ts-expect-error an object with a `~standard` lacking validate is not a schema
createAuth({ ...base, claims: { "~standard": { version: 1, vendor: "x" } } });
// @ts-expect-error requireClaims takes a predicate or a schema, not a plain object
requireClaims({ org_id: "org_acme" });
