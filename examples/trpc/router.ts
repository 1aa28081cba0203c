/**
 * The example API: one procedure per kind of protection. The router depends only on the
 * context type, so the same router serves any `Auth` (the embedded issuer or an Auth0 tenant),
 * and only Web APIs, so it runs on every host (Workers without `nodejs_compat` too).
 */
import { initTRPC } from "@trpc/server";
import type { AccessTokenClaims, AuthState } from "scopegate";
import { errorFormatter, requireAuth, requirePermissions, requireScopes } from "scopegate/trpc";
import { z } from "zod";

/** What `auth.createAuthContext` builds: `{ auth }`. */
export interface Context {
  auth: AuthState<AccessTokenClaims>;
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

const t = initTRPC.context<Context>().create({ errorFormatter });

/** Any valid access token; `ctx.claims` is typed and non-null after it. */
const protectedProcedure = t.procedure.use(requireAuth());

export const appRouter = t.router({
  /** Anyone. */
  public: t.procedure.query(() => "Hello from a public procedure: no token needed."),

  /** Any valid token: answers with the token's subject. */
  private: protectedProcedure.query(({ ctx }) => ctx.claims.sub ?? "(no sub)"),

  /** Scope `read:messages`. */
  messages: t.procedure
    .use(requireScopes("read:messages"))
    .query(() => [{ id: 1, text: "Welcome to scopegate" }]),

  /** Scopes `read:data` AND `write:data`. */
  data: t.procedure
    .use(requireScopes("read:data", "write:data"))
    .query(({ ctx }) => ({ owner: ctx.claims.sub, rows: 3 })),

  /** Auth0 RBAC permission `delete:users` (a 403 without it, not a 401). */
  deleteUser: protectedProcedure
    .use(requirePermissions("delete:users"))
    .input(z.object({ id: z.string() }))
    .mutation(({ input, ctx }) => `${ctx.claims.sub} deleted ${input.id}`),

  /**
   * A tick every `intervalMs` for any valid token. The stream ends with UNAUTHORIZED when the
   * token expires (the scopegate middleware do that for every subscription they protect).
   */
  clock: protectedProcedure
    .input(z.object({ intervalMs: z.number().int().min(10).max(60_000) }).optional())
    .subscription(async function* ({ input, signal }) {
      const every = input?.intervalMs ?? 1_000;
      while (!signal?.aborted) {
        yield new Date().toISOString();
        await sleep(every, signal);
      }
    }),
});

export type AppRouter = typeof appRouter;
