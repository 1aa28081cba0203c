/**
 * requireClaims takes any Standard Schema validator (zod 4, zod 3.25, valibot, arktype…):
 * `ctx.claims` is narrowed to its output laid over the claims, and claims it refuses are a 403.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { type } from "arktype";
import { type AuthState, createAuth, type StandardSchemaV1 } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { authErrorOf, requireClaims } from "scopegate/trpc";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { z as z3 } from "zod3";
import { z as z3v4 } from "zod3/v4";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

const acme = {
  "zod 4": z.object({ org_id: z.literal("org_acme") }),
  "zod 3.25": z3.object({ org_id: z3.literal("org_acme") }),
  "zod 3.25 zod/v4": z3v4.object({ org_id: z3v4.literal("org_acme") }),
  valibot: v.object({ org_id: v.literal("org_acme") }),
  arktype: type({ org_id: "'org_acme'" }),
};

function routerFor(schema: StandardSchemaV1<unknown, { org_id: "org_acme" }>) {
  const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
  const t = initTRPC.context<ReturnType<typeof auth.createAuthContext>>().create();
  const router = t.router({
    org: t.procedure.use(requireClaims(schema)).query(({ ctx }) => {
      expectTypeOf(ctx.claims.org_id).toEqualTypeOf<"org_acme">();
      expectTypeOf(ctx.claims.sub).toEqualTypeOf<string | undefined>();
      return { org: ctx.claims.org_id, sub: ctx.claims.sub };
    }),
  });
  return async (claims: Record<string, unknown>) =>
    router
      .createCaller(
        auth.createAuthContext({
          headers: { authorization: `Bearer ${await issuer.sign(claims)}` },
        }),
      )
      .org();
}

describe("requireClaims with any Standard Schema validator", () => {
  it.each(Object.keys(acme) as (keyof typeof acme)[])(
    "%s: passes matching claims (kept, laid over the schema's output), 403 otherwise",
    async (name) => {
      const call = routerFor(acme[name]);
      await expect(call({ org_id: "org_acme" })).resolves.toEqual({
        org: "org_acme",
        sub: "auth0|test-user",
      });
      const error = await call({ org_id: "org_other" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe("FORBIDDEN");
      expect(authErrorOf(error)).toMatchObject({
        status: 403,
        code: "insufficient_scope",
        reason: "claims_rejected",
      });
    },
  );

  it("awaits an async schema", async () => {
    const call = routerFor(
      v.objectAsync({
        org_id: v.pipeAsync(
          v.literal("org_acme"),
          v.checkAsync(async () => true),
        ),
      }),
    );
    await expect(call({ org_id: "org_acme" })).resolves.toMatchObject({ org: "org_acme" });
  });

  it("narrows ctx.claims from each library's output type", () => {
    type Claims = { sub: string; org_id: string; role?: string };
    const t = initTRPC.context<{ auth: AuthState<Claims> }>().create();
    t.procedure.use(requireClaims(z3.object({ role: z3.literal("admin") }))).query(({ ctx }) => {
      expectTypeOf(ctx.claims.role).toEqualTypeOf<"admin">();
      expectTypeOf(ctx.claims.sub).toEqualTypeOf<string>();
      return null;
    });
    t.procedure.use(requireClaims(v.object({ role: v.literal("admin") }))).query(({ ctx }) => {
      expectTypeOf(ctx.claims.role).toEqualTypeOf<"admin">();
      expectTypeOf(ctx.claims.org_id).toEqualTypeOf<string>();
      return null;
    });
    t.procedure.use(requireClaims(type({ role: "'admin'" }))).query(({ ctx }) => {
      expectTypeOf(ctx.claims.role).toEqualTypeOf<"admin">();
      return null;
    });
    t.procedure
      .use(requireClaims(z3v4.object({ role: z3v4.literal("admin") })))
      .query(({ ctx }) => {
        expectTypeOf(ctx.claims.role).toEqualTypeOf<"admin">();
        return null;
      });
  });
});
