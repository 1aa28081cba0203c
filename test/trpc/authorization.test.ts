/**
 * Authorization beyond scopes through real tRPC clients over a real standalone server:
 * step-up (RFC 9470), Auth0 Organizations, named policies.
 */
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from "@trpc/client";
import { initTRPC } from "@trpc/server";
import { AUTH0_MFA_ACR, type AuthError, ConfigurationError, createAuth } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import {
  authErrorOf,
  errorFormatter,
  requireAuth,
  requireAuthLevel,
  requireOrganization,
  requirePolicy,
} from "scopegate/trpc";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from "vitest";
import { z } from "zod";
import { bearer, failure } from "./support/client.js";
import { type RunningServer, startServer } from "./support/servers.js";

let issuer: TestIssuer;
let server: RunningServer;
const calls = { isOwner: 0, sameTenant: 0, broken: 0 };

function build(i: TestIssuer) {
  const auth = createAuth({
    issuer: i.url,
    audience: i.audience,
    dpop: { mode: "disabled" },
    policyTimeout: 0.2,
    policies: {
      isOwner: ({ claims, input }) => {
        calls.isOwner++;
        return (input as { ownerId?: string } | undefined)?.ownerId === claims.sub;
      },
      sameTenant: async ({ claims, input }) => {
        calls.sameTenant++;
        return (input as { tenant?: string } | undefined)?.tenant === claims.org_id;
      },
      broken: () => {
        calls.broken++;
        throw new Error("database down");
      },
      hangs: () => new Promise<boolean>(() => {}),
    },
  });
  const createContext = auth.createAuthContext;
  const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
  const authed = t.procedure.use(requireAuth());
  const owned = z.object({ ownerId: z.string(), tenant: z.string().optional() });
  const router = t.router({
    mfa: t.procedure.use(requireAuthLevel({ acr: [AUTH0_MFA_ACR] })).query(() => "mfa"),
    fresh: t.procedure.use(requireAuthLevel({ maxAge: 300 })).query(() => "fresh"),
    both: authed
      .use(requireAuthLevel({ acr: ["urn:acr:gold", 'quo"te'], maxAge: 60 }))
      .query(() => "both"),
    anyOrg: authed.use(requireOrganization()).query(({ ctx }) => {
      expectTypeOf(ctx.claims.org_id).toEqualTypeOf<string>();
      return ctx.claims.org_id;
    }),
    acme: authed
      .use(requireOrganization(["org_acme", "Globex"]))
      .query(({ ctx }) => ctx.claims.org_id),
    doc: authed
      .input(owned)
      .use(requirePolicy("isOwner"))
      .query(({ input }) => input.ownerId),
    tenantDoc: authed
      .input(owned)
      .use(requirePolicy("sameTenant"))
      .use(requirePolicy("isOwner"))
      .query(({ input }) => input.tenant ?? null),
    broken: authed.use(requirePolicy("broken")).query(() => "never"),
    hangs: authed.use(requirePolicy("hangs")).query(() => "never"),
  });
  return { auth, router, t, authed };
}

type Api = ReturnType<typeof build>;
let api: Api;

beforeAll(async () => {
  issuer = await createTestIssuer();
  api = build(issuer);
  server = await startServer("standalone", api.router, api.auth);
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const clientOf = (authorization?: string, batch = false) =>
  createTRPCClient<Api["router"]>({
    links: [
      (batch ? httpBatchLink : httpLink)({
        url: server.url,
        headers: () => (authorization ? { authorization } : {}),
      }),
    ],
  });
const as = async (claims: Record<string, unknown>) => clientOf(bearer(await issuer.sign(claims)));
const now = () => Math.floor(Date.now() / 1000);

describe("requireAuthLevel (RFC 9470)", () => {
  it("passes a token with Auth0's MFA acr, or with amr containing mfa", async () => {
    await expect((await as({ acr: AUTH0_MFA_ACR })).mfa.query()).resolves.toBe("mfa");
    await expect((await as({ amr: ["pwd", "mfa"] })).mfa.query()).resolves.toBe("mfa");
  });

  it("answers 401 insufficient_user_authentication with acr_values for a weaker login", async () => {
    const outcome = await failure((await as({ acr: "urn:acr:silver", amr: ["pwd"] })).mfa.query());
    expect(outcome).toEqual({
      code: "UNAUTHORIZED",
      status: 401,
      challenge: `Bearer realm="api", error="insufficient_user_authentication", error_description="a stronger login is required (acr ${AUTH0_MFA_ACR})", acr_values="${AUTH0_MFA_ACR}"`,
      retryAfter: null,
      auth: {
        error: "insufficient_user_authentication",
        error_description: `a stronger login is required (acr ${AUTH0_MFA_ACR})`,
      },
      message: `a stronger login is required (acr ${AUTH0_MFA_ACR})`,
    });
  });

  it("escapes acr_values and sends every requirement of the rule (acr_values and max_age)", async () => {
    const outcome = await failure((await as({ acr: "urn:acr:gold" })).both.query());
    expect(outcome.status).toBe(401);
    expect(outcome.challenge).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="a recent login is required (the token has no auth_time)", acr_values="urn:acr:gold quo\\"te", max_age=60',
    );
  });

  it("max_age: exactly maxAge seconds after auth_time passes, one second more is a 401", async () => {
    const login = now();
    const token = await issuer.sign({ auth_time: login });
    const c = clientOf(bearer(token));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((login + 300) * 1000);
    await expect(c.fresh.query()).resolves.toBe("fresh");
    vi.setSystemTime((login + 301) * 1000);
    const outcome = await failure(c.fresh.query());
    expect(outcome).toMatchObject({
      code: "UNAUTHORIZED",
      status: 401,
      challenge:
        'Bearer realm="api", error="insufficient_user_authentication", error_description="a more recent login is required (at most 300 seconds ago)", max_age=300',
    });
  });

  it("clockTolerance is not added to max_age, but lets auth_time be up to 5 s in the future", async () => {
    const t0 = now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(t0 * 1000);
    const ahead = clientOf(bearer(await issuer.sign({ auth_time: t0 + 5 })));
    await expect(ahead.fresh.query()).resolves.toBe("fresh");
    const tooFar = clientOf(bearer(await issuer.sign({ auth_time: t0 + 6 })));
    expect((await failure(tooFar.fresh.query())).status).toBe(401);
    // 300 + 1 seconds is refused although clockTolerance is 5 s.
    const old = clientOf(bearer(await issuer.sign({ auth_time: t0 - 301 })));
    expect((await failure(old.fresh.query())).challenge).toContain("max_age=300");
  });

  it("a token without auth_time, or with a string one, fails max_age", async () => {
    for (const auth_time of [undefined, "1700000000"]) {
      const outcome = await failure((await as({ auth_time })).fresh.query());
      expect(outcome).toMatchObject({
        status: 401,
        auth: { error: "insufficient_user_authentication" },
      });
    }
  });

  it("a bad level is a ConfigurationError when the middleware is created", () => {
    expect(() => requireAuthLevel({})).toThrow(ConfigurationError);
    expect(() => requireAuthLevel({ acr: [] })).toThrow(/requireAuthLevel\.acr/);
    expect(() => requireAuthLevel({ acr: ["a b"] })).toThrow(/not an acr value/);
    expect(() => requireAuthLevel({ maxAge: -1 })).toThrow(/maxAge/);
    expect(() => requireAuthLevel({ maxAge: 1.5 })).toThrow(/maxAge/);
  });

  it("AuthState.hasAuthLevel answers the same rule", async () => {
    const token = await issuer.sign({ acr: "urn:acr:gold", auth_time: now() - 2 });
    const { auth } = api.auth.createAuthContext({ headers: { authorization: bearer(token) } });
    await expect(auth.hasAuthLevel({ acr: ["urn:acr:gold"], maxAge: 10 })).resolves.toBe(true);
    await expect(auth.hasAuthLevel({ maxAge: 1 })).resolves.toBe(false);
    await expect(auth.hasAuthLevel({ acr: [AUTH0_MFA_ACR] })).resolves.toBe(false);
  });
});

describe("requireOrganization", () => {
  it("continues with ctx.claims.org_id as a string", async () => {
    await expect((await as({ org_id: "org_x" })).anyOrg.query()).resolves.toBe("org_x");
  });

  it("answers 403 insufficient_scope without scope= for a token without org_id", async () => {
    expect(await failure((await as({})).anyOrg.query())).toEqual({
      code: "FORBIDDEN",
      status: 403,
      challenge:
        'Bearer realm="api", error="insufficient_scope", error_description="this operation requires an organization token (org_id)"',
      retryAfter: null,
      auth: {
        error: "insufficient_scope",
        error_description: "this operation requires an organization token (org_id)",
      },
      message: "this operation requires an organization token (org_id)",
    });
  });

  it("matches IDs exactly and names case-insensitively (org_id still required)", async () => {
    await expect((await as({ org_id: "org_acme" })).acme.query()).resolves.toBe("org_acme");
    await expect((await as({ org_id: "org_g", org_name: "globex" })).acme.query()).resolves.toBe(
      "org_g",
    );
    const wrongCase = await failure((await as({ org_id: "ORG_ACME" })).acme.query());
    expect(wrongCase).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect(wrongCase.challenge).toContain(
      'error_description="this operation is not available to the token\'s organization"',
    );
    expect((await failure((await as({ org_name: "globex" })).acme.query())).status).toBe(403);
  });

  it("AuthState.hasOrganization answers the same rule", async () => {
    const token = await issuer.sign({ org_id: "org_g", org_name: "globex" });
    const { auth } = api.auth.createAuthContext({ headers: { authorization: bearer(token) } });
    await expect(auth.hasOrganization()).resolves.toBe(true);
    await expect(auth.hasOrganization("GLOBEX")).resolves.toBe(true);
    await expect(auth.hasOrganization(["org_acme"])).resolves.toBe(false);
    const none = api.auth.createAuthContext({
      headers: { authorization: bearer(await issuer.sign({})) },
    });
    await expect(none.auth.hasOrganization()).resolves.toBe(false);
  });

  it("a bad organization list is a ConfigurationError at once", () => {
    expect(() => requireOrganization([])).toThrow(ConfigurationError);
    expect(() => requireOrganization(" org_a")).toThrow(/requireOrganization/);
  });
});

describe("requirePolicy", () => {
  it("allows with the parsed input and denies with 403 policy_denied and no scope=", async () => {
    const c = await as({ sub: "auth0|alice" });
    await expect(c.doc.query({ ownerId: "auth0|alice" })).resolves.toBe("auth0|alice");
    const outcome = await failure(c.doc.query({ ownerId: "auth0|bob" }));
    expect(outcome).toEqual({
      code: "FORBIDDEN",
      status: 403,
      challenge:
        'Bearer realm="api", error="insufficient_scope", error_description="denied by the policy isOwner"',
      retryAfter: null,
      auth: { error: "insufficient_scope", error_description: "denied by the policy isOwner" },
      message: "denied by the policy isOwner",
    });
  });

  it("evaluates each (policy, input) once per request, across a batch", async () => {
    const c = clientOf(bearer(await issuer.sign({ sub: "auth0|alice", org_id: "org_a" })), true);
    calls.isOwner = 0;
    calls.sameTenant = 0;
    const input = { ownerId: "auth0|alice", tenant: "org_a" };
    const results = await Promise.all([
      c.doc.query(input),
      c.doc.query({ tenant: "org_a", ownerId: "auth0|alice" }), // same arguments, other key order
      c.tenantDoc.query(input),
      c.tenantDoc.query(input),
      c.doc.query({ ownerId: "auth0|bob" }).catch((e: unknown) => e),
    ]);
    expect(results.slice(0, 4)).toEqual(["auth0|alice", "auth0|alice", "org_a", "org_a"]);
    expect(results[4]).toBeInstanceOf(TRPCClientError);
    // isOwner: two distinct inputs; sameTenant: one.
    expect(calls).toMatchObject({ isOwner: 2, sameTenant: 1 });
    // A second request evaluates again.
    await c.doc.query(input);
    expect(calls.isOwner).toBe(3);
  });

  it("a throwing policy is a 500 with the cause kept, never an allow", async () => {
    const errors: unknown[] = [];
    const { createHTTPServer } = await import("@trpc/server/adapters/standalone");
    const srv = createHTTPServer({
      router: api.router,
      createContext: api.auth.createAuthContext,
      onError: ({ error }) => errors.push(error),
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const { port } = srv.address() as { port: number };
    try {
      const c = createTRPCClient<Api["router"]>({
        links: [
          httpLink({
            url: `http://127.0.0.1:${port}`,
            headers: async () => ({ authorization: bearer(await issuer.sign({})) }),
          }),
        ],
      });
      calls.broken = 0;
      const outcome = await failure(c.broken.query());
      expect(outcome).toMatchObject({
        code: "INTERNAL_SERVER_ERROR",
        status: 500,
        challenge: null,
        auth: {
          error: "server_error",
          error_description: "internal error while evaluating the policy broken",
        },
      });
      expect(outcome.message).not.toContain("database down");
      expect(calls.broken).toBe(1);
      const cause = authErrorOf(errors[0]) as AuthError;
      expect(cause).toMatchObject({ status: 500, code: "server_error", reason: "policy_failed" });
      expect((cause.cause as Error).message).toBe("database down");
    } finally {
      srv.close();
    }
  });

  it("a policy that has not answered within policyTimeout (0.2 s here, 5 s by default) is a 503", async () => {
    const outcome = await failure((await as({})).hangs.query());
    expect(outcome).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      status: 503,
      challenge: null,
      retryAfter: "1",
      auth: { error: "temporarily_unavailable" },
    });
  });

  it("an unknown name is a ConfigurationError at construction with { auth }, else at the first request", async () => {
    expect(() => requirePolicy("isOwnr", { auth: api.auth })).toThrow(ConfigurationError);
    expect(() => requirePolicy("isOwnr", { auth: api.auth })).toThrow(
      /unknown policy "isOwnr"; declared: isOwner, sameTenant, broken, hangs/,
    );
    // @ts-expect-error: a typo in a policy name does not compile
    const typo = api.authed.use(requirePolicy("isOwnr")).query(() => "never");
    const router = api.t.router({ typo });
    const errors: unknown[] = [];
    const caller = api.t.createCallerFactory(router)(
      api.auth.createAuthContext({ headers: { authorization: bearer(await issuer.sign({})) } }),
      { onError: ({ error }) => errors.push(error) },
    );
    const error = await caller.typo().catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("INTERNAL_SERVER_ERROR");
    expect((error as Error).cause).toBeInstanceOf(ConfigurationError);
  });

  it("AuthState.hasPolicy: false on a denial or no token, rejects with the 500 of a throw", async () => {
    const token = await issuer.sign({ sub: "auth0|alice" });
    const { auth } = api.auth.createAuthContext({ headers: { authorization: bearer(token) } });
    expectTypeOf(auth.policyNames).toEqualTypeOf<
      readonly ("isOwner" | "sameTenant" | "broken" | "hangs")[]
    >();
    await expect(auth.hasPolicy("isOwner", { input: { ownerId: "auth0|alice" } })).resolves.toBe(
      true,
    );
    await expect(auth.hasPolicy("isOwner", { input: { ownerId: "x" } })).resolves.toBe(false);
    await expect(auth.hasPolicy("broken")).rejects.toMatchObject({ status: 500 });
    const anonymous = api.auth.createAuthContext({ headers: {} }).auth;
    await expect(anonymous.hasPolicy("isOwner")).resolves.toBe(false);
  });
});

describe("createAuth({ policies }) validation", () => {
  it("refuses a policy that is not a function or { usesParent: true, check }", () => {
    const base = { issuer: issuer.url, audience: issuer.audience };
    expect(() => createAuth({ ...base, policies: { bad: 1 as never } })).toThrow(
      /policies\.bad: must be a function/,
    );
    expect(() => createAuth({ ...base, policies: { "a b": () => true } })).toThrow(/policies\.a b/);
    expect(() =>
      createAuth({ ...base, policies: { p: { usesParent: true, check: () => true } } }),
    ).not.toThrow();
  });
});
