/** The router the tRPC tests drive: one procedure per middleware and argument form. */
import { setTimeout as sleep } from "node:timers/promises";
import { initTRPC } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import { type AuthOptions, createAuth } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import {
  errorFormatter,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requirePermissions,
  requireScopes,
  untilTokenExpires,
} from "scopegate/trpc";
import { z } from "zod";

export function buildApi(issuer: TestIssuer, options: Partial<AuthOptions> = {}) {
  // DPoP disabled so challenges are exactly the Bearer one.
  const auth = createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    dpop: { mode: "disabled" },
    cache: { retryAfter: 7 },
    ...options,
  });
  const createContext = auth.createAuthContext;
  const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
  const authed = t.procedure.use(requireAuth());

  async function* ticks(signal: AbortSignal | undefined) {
    for (let i = 0; !signal?.aborted; i++) {
      yield i;
      await sleep(100, undefined, { signal }).catch(() => {});
    }
  }

  const router = t.router({
    public: t.procedure.query(() => "hello"),
    me: authed.query(({ ctx }) => ctx.claims.sub ?? null),
    token: authed.query(({ ctx }) => ctx.token.length > 0),
    messages: t.procedure.use(requireScopes("read:messages")).query(() => "messages"),
    messagesAfterAuth: authed.use(requireScopes("read:messages")).query(() => "messages"),
    dataArray: t.procedure.use(requireScopes(["read:data", "write:data"])).query(() => "data"),
    dataVariadic: t.procedure.use(requireScopes("read:data", "write:data")).query(() => "data"),
    dataSpaced: t.procedure.use(requireScopes("read:data write:data")).query(() => "data"),
    support: authed.use(requireAnyScope("admin", "support")).query(() => "support"),
    deleteUser: authed.use(requirePermissions("delete:users")).mutation(() => "deleted"),
    acmeOnly: authed
      .use(requireClaims((c) => c.org_id === "org_acme"))
      .query(({ ctx }) => ctx.claims.sub ?? null),
    acmeSchema: authed
      .use(requireClaims(z.object({ org_id: z.literal("org_acme") })))
      .query(({ ctx }) => ctx.claims.org_id),
    throwsRaw: t.procedure.query(async ({ ctx }) => (await ctx.auth.require()).sub ?? null),
    ticks: authed.subscription(({ signal }) => ticks(signal)),
    scopedTicks: t.procedure
      .use(requireScopes("read:messages"))
      .subscription(({ signal }) => ticks(signal)),
    observableTicks: authed.subscription(() =>
      observable<number>((emit) => {
        let i = 0;
        const timer = setInterval(() => emit.next(i++), 100);
        return () => clearInterval(timer);
      }),
    ),
    manualTicks: t.procedure.subscription(({ ctx, signal }) =>
      untilTokenExpires(ctx, ticks(signal), signal),
    ),
  });
  return { auth, router, createContext };
}

export type TestRouter = ReturnType<typeof buildApi>["router"];

/** A test issuer and an `Auth` bound to it; `close()` stops the issuer. */
export async function startIssuer(): Promise<TestIssuer> {
  return createTestIssuer();
}
