/** Type tests (checked by `tsc --noEmit`): the middleware narrow the context. */
import { type inferRouterError, initTRPC } from "@trpc/server";
import { type AccessTokenClaims, type AuthState, ConfigurationError, createAuth } from "scopegate";
import {
  type AuthErrorData,
  errorFormatter,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requirePermissions,
  requireScopes,
} from "scopegate/trpc";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";

const ClaimsSchema = z.looseObject({
  sub: z.string(),
  org_id: z.string(),
  scope: z.string().optional(),
});
type Claims = z.output<typeof ClaimsSchema>;

const plain = createAuth({ issuer: "http://127.0.0.1:1/", audience: "api" });
const typed = createAuth({ issuer: "http://127.0.0.1:1/", audience: "api", claims: ClaimsSchema });

describe("context narrowing", () => {
  it("requireAuth() gives non-null claims and the token", () => {
    const createContext = plain.createAuthContext;
    const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
    t.procedure.query(({ ctx }) => {
      expectTypeOf(ctx).not.toHaveProperty("claims");
      return null;
    });
    t.procedure.use(requireAuth()).query(({ ctx }) => {
      expectTypeOf(ctx.claims).not.toBeNullable();
      expectTypeOf(ctx.claims.sub).toEqualTypeOf<string | undefined>();
      expectTypeOf(ctx.claims.permissions).toEqualTypeOf<string[] | undefined>();
      expectTypeOf(ctx.token).toEqualTypeOf<string>();
      expectTypeOf(ctx.auth).toEqualTypeOf<AuthState<AccessTokenClaims>>();
      return null;
    });
  });

  it("every middleware narrows on t.procedure directly and after requireAuth()", () => {
    const t = initTRPC.context<{ auth: AuthState<AccessTokenClaims>; db: "db" }>().create();
    for (const mw of [
      requireScopes("a"),
      requireScopes(["a", "b"]),
      requireScopes("a", "b"),
      requireAnyScope("a", "b"),
      requirePermissions("delete:users"),
      requireClaims((c) => c.sub === "x"),
    ]) {
      t.procedure.use(mw).query(({ ctx }) => {
        expectTypeOf(ctx.claims).not.toBeNullable();
        expectTypeOf(ctx.token).toEqualTypeOf<string>();
        expectTypeOf(ctx.db).toEqualTypeOf<"db">();
        return null;
      });
      t.procedure
        .use(requireAuth())
        .use(mw)
        .query(({ ctx }) => {
          expectTypeOf(ctx.claims.sub).toEqualTypeOf<string | undefined>();
          return null;
        });
    }
  });

  it("infers the claims from the zod schema given to createAuth, inside .use()", () => {
    const createContext = typed.createAuthContext;
    const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
    t.procedure.use(requireAuth()).query(({ ctx }) => {
      expectTypeOf(ctx.claims).toEqualTypeOf<Claims>();
      expectTypeOf(ctx.claims.org_id).toEqualTypeOf<string>();
      return null;
    });
    t.procedure
      .use(requireAuth())
      .use(requireScopes("read:messages"))
      .use(requireAnyScope("a", "b"))
      .use(requireClaims((c) => c.org_id.startsWith("org_")))
      .query(({ ctx }) => {
        expectTypeOf(ctx.claims).toEqualTypeOf<Claims>();
        return null;
      });
    t.procedure.use(requirePermissions("x")).query(({ ctx }) => {
      expectTypeOf(ctx.claims).toEqualTypeOf<Claims>();
      return null;
    });
    // Created apart from .use(), a middleware needs the type named.
    const authed = requireAuth<Claims>();
    t.procedure.use(authed).query(({ ctx }) => {
      expectTypeOf(ctx.claims.org_id).toEqualTypeOf<string>();
      return null;
    });
  });

  it("requireClaims narrows with a zod schema or a type guard", () => {
    const t = initTRPC.context<{ auth: AuthState<Claims> }>().create();
    t.procedure.use(requireClaims(z.object({ org_id: z.literal("org_acme") }))).query(({ ctx }) => {
      expectTypeOf(ctx.claims.org_id).toEqualTypeOf<"org_acme">();
      expectTypeOf(ctx.claims.sub).toEqualTypeOf<string>();
      return null;
    });
    const isAdmin = (c: Claims): c is Claims & { role: "admin" } => c.role === "admin";
    t.procedure.use(requireClaims(isAdmin)).query(({ ctx }) => {
      expectTypeOf(ctx.claims.role).toEqualTypeOf<"admin">();
      return null;
    });
  });

  it("refuses contexts without auth, and claims of another type", () => {
    const bare = initTRPC.context<{ db: "db" }>().create();
    // @ts-expect-error the context has no `auth`
    bare.procedure.use(requireAuth());
    const t = initTRPC.context<{ auth: AuthState<AccessTokenClaims> }>().create();
    // @ts-expect-error the context's claims are not `Claims`
    t.procedure.use(requireAuth<Claims>());
    // @ts-expect-error scopes are strings
    expect(() => requireScopes(1)).toThrow(ConfigurationError);
  });

  it("errorFormatter types data.auth for the client", () => {
    const t = initTRPC.context<{ auth: AuthState<AccessTokenClaims> }>().create({ errorFormatter });
    const router = t.router({ me: t.procedure.use(requireAuth()).query(() => 1) });
    type ErrorShape = inferRouterError<typeof router>;
    expectTypeOf<ErrorShape["data"]["auth"]>().toEqualTypeOf<AuthErrorData | undefined>();
    expectTypeOf<ErrorShape["data"]["httpStatus"]>().toEqualTypeOf<number>();
  });
});
