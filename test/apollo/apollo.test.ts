import { ApolloServer, type BaseContext, HeaderMap } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { type AuthState, createAuth } from "scopegate";
import { apolloAuthPlugin } from "scopegate/apollo";
import { authDirectiveTypeDefs } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authFor, calls, codes, paths, post } from "../graphql/fixtures.js";
import { HOSTS, quiet, type Running, startApollo } from "./fixtures.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  calls.length = 0;
});

/** Runs `fn` against a started server and always stops it. */
async function withApollo(
  run: Promise<Running>,
  fn: (running: Running) => Promise<void>,
): Promise<void> {
  const running = await run;
  try {
    await fn(running);
  } finally {
    await running.close();
  }
}

describe.each(HOSTS)("Apollo Server 5 (%s), reject mode", (host) => {
  let auth: ReturnType<typeof authFor>;
  let running: Running;
  beforeAll(async () => {
    auth = authFor(issuer);
    running = await startApollo(host, auth);
  });
  afterAll(async () => {
    await running.close();
  });

  it("answers a public operation with 200 and never verifies", async () => {
    const a = await post(running.url, { query: '{ public hello(name: "x") __typename }' });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      data: { public: "hello world", hello: "hello x", __typename: "Query" },
    });
    const b = await post(running.url, { query: "{ public }" }, { authorization: "Basic abc" });
    expect(b.status).toBe(200);
    expect(auth.stats.verifications).toBe(0);
  });

  it("answers 401 without a token: exact challenge, no data, one error per denied path, nothing runs", async () => {
    const a = await post(running.url, { query: "{ public me { id } messages { id } }" });
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(a.headers.get("content-type")).toMatch(/^application\/graphql-response\+json/);
    expect("data" in a.body).toBe(false);
    expect(paths(a)).toEqual(["me", "messages"]);
    expect(a.body.errors?.[0]).toEqual({
      message: "authentication required",
      path: ["me"],
      locations: [{ line: 1, column: 10 }],
      extensions: {
        code: "UNAUTHENTICATED",
        error: "unauthorized",
        error_description: "authentication required",
      },
    });
    expect(calls).toEqual([]);
  });

  it("answers 401 invalid_token for an expired token", async () => {
    const token = await issuer.sign({}, { expiresIn: -120 });
    const a = await post(running.url, { query: "{ me { id } }" }, { token });
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
    );
    expect(codes(a)).toEqual(["UNAUTHENTICATED"]);
    expect("data" in a.body).toBe(false);
  });

  it("answers 403 with scope= naming what the first denied field needs", async () => {
    const token = await issuer.sign({ scope: "openid" });
    const a = await post(running.url, { query: "{ me { id } messages { id } } " }, { token });
    expect(a.status).toBe(403);
    expect(a.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: read:messages", scope="read:messages"',
    );
    expect("data" in a.body).toBe(false);
    expect(paths(a)).toEqual(["messages"]);
    expect(a.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      error: "insufficient_scope",
      error_description: "missing required scopes: read:messages",
    });
    expect(calls).toEqual([]);
  });

  it("answers 200 with data for a token with the scopes", async () => {
    const token = await issuer.sign({ scope: "read:messages", permissions: ["read:users"] });
    const a = await post(
      running.url,
      { query: "{ me { id } messages { id } users { email } }" },
      { token },
    );
    expect(a.status).toBe(200);
    expect(a.headers.get("www-authenticate")).toBeNull();
    expect(a.body).toEqual({
      data: {
        me: { id: "u1" },
        messages: [{ id: "m1" }, { id: "m2" }],
        users: [{ email: "alice@example.com" }],
      },
    });
  });

  it("enforces a type-level @auth (object and interface) wherever the type is reached", async () => {
    const token = await issuer.sign({ scope: "openid" });
    const profile = await post(running.url, { query: "{ profile { name } }" }, { token });
    expect(profile.status).toBe(403);
    expect(profile.headers.get("www-authenticate")).toMatch(/scope="read:profile"$/);
    const owned = await post(running.url, { query: "{ car { model } }" }, { token });
    expect(owned.status).toBe(403);
    expect(owned.headers.get("www-authenticate")).toMatch(/scope="read:owned"$/);
    // Through an interface field: Secret is protected, so `nodes { id }` is denied.
    const nodes = await post(running.url, { query: "{ nodes { id } }" }, { token });
    expect(nodes.status).toBe(403);
    expect(calls).toEqual([]);
    const ok = await post(
      running.url,
      { query: "{ profile { name } car { model } }" },
      { token: await issuer.sign({ scope: "read:profile read:owned" }) },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ profile: { name: "Alice" }, car: { model: "T" } });
  });

  it("answers 400 invalid_request for a malformed Authorization header", async () => {
    for (const authorization of ["Bearer", "Basic dXNlcjpwYXNz", "Bearer a b"]) {
      const a = await post(
        running.url,
        { query: "{ me { id } messages { id } }" },
        { authorization },
      );
      expect(a.status).toBe(400);
      expect(a.headers.get("www-authenticate")).toMatch(
        /^Bearer realm="api", error="invalid_request"/,
      );
      expect("data" in a.body).toBe(false);
      expect(a.body.errors).toHaveLength(1);
      expect(a.body.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_REQUEST",
        error: "invalid_request",
      });
    }
    expect(calls).toEqual([]);
  });

  it("runs no resolver of a mutation whose second field is denied", async () => {
    const token = await issuer.sign();
    const a = await post(running.url, { query: "mutation { like deleteAll }" }, { token });
    expect(a.status).toBe(403);
    expect(calls).toEqual([]);
  });

  it("never puts extensions.http in a body", async () => {
    const token = await issuer.sign({ scope: "openid" });
    for (const init of [{}, { token }, { authorization: "Bearer" }]) {
      const a = await post(running.url, { query: "{ me { id } messages { id } }" }, init);
      expect(a.status).toBeGreaterThanOrEqual(400);
      for (const e of a.body.errors ?? []) expect(e.extensions).not.toHaveProperty("http");
    }
  });
});

describe.each(HOSTS)("Apollo Server 5 (%s), filter mode", (host) => {
  let running: Running;
  beforeAll(async () => {
    running = await startApollo(host, authFor(issuer), { mode: "filter" });
  });
  afterAll(async () => {
    await running.close();
  });

  it("nulls the denied fields with an error each, runs the rest, answers 200", async () => {
    const a = await post(running.url, { query: "{ public me { id } report { total } }" });
    expect(a.status).toBe(200);
    expect(a.headers.get("www-authenticate")).toBeNull();
    expect(a.body.data).toEqual({ public: "hello world", me: null, report: null });
    expect(paths(a)).toEqual(["me", "report"]);
    expect(codes(a)).toEqual(["UNAUTHENTICATED", "UNAUTHENTICATED"]);
    expect(calls).toEqual(["Query.public"]);
    for (const e of a.body.errors ?? []) expect(e.extensions).not.toHaveProperty("http");
  });

  it("nulls only the field whose scope is missing", async () => {
    const token = await issuer.sign({ scope: "openid" });
    const a = await post(running.url, { query: "{ me { id } profile { name } }" }, { token });
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({ me: { id: "u1" }, profile: null });
    expect(codes(a)).toEqual(["FORBIDDEN"]);
    expect(calls).toEqual(["Query.me"]);
  });

  it("still answers 400 for a malformed Authorization header", async () => {
    const a = await post(
      running.url,
      { query: "{ public me { id } }" },
      { authorization: "Bearer a,b" },
    );
    expect(a.status).toBe(400);
    expect(a.headers.get("www-authenticate")).toMatch(/error="invalid_request"/);
    expect("data" in a.body).toBe(false);
    expect(codes(a)).toEqual(["BAD_REQUEST"]);
    expect(calls).toEqual([]);
  });
});

describe.each(HOSTS)("Apollo Server 5 (%s), key outage", (host) => {
  it.each(["reject", "filter"] as const)("answers 503 with Retry-After (%s)", async (mode) => {
    const down = await createTestIssuer();
    try {
      const token = await down.sign();
      down.fail("down");
      await withApollo(startApollo(host, authFor(down), { mode }), async ({ url }) => {
        const a = await post(url, { query: "{ public me { id } }" }, { token });
        expect(a.status).toBe(503);
        expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(a.headers.get("www-authenticate")).toBeNull();
        expect("data" in a.body).toBe(false);
        expect(a.body.errors?.[0]?.extensions).toEqual({
          code: "SERVICE_UNAVAILABLE",
          error: "temporarily_unavailable",
          error_description: expect.any(String),
        });
        expect(calls).toEqual([]);
      });
    } finally {
      await down.close();
    }
  });
});

/** A schema whose resolvers call `ctx.auth` themselves. */
const selfChecking = {
  typeDefs: [
    authDirectiveTypeDefs,
    "type Query { whoami: String @auth admin: String adminStrict: String! }",
  ],
  resolvers: {
    Query: {
      whoami: async (_: unknown, __: unknown, ctx: { auth: AuthState }) =>
        ((await ctx.auth.claims()) as { sub: string }).sub,
      admin: async (_: unknown, __: unknown, ctx: { auth: AuthState }) => {
        await ctx.auth.requireScopes("admin");
        return "yes";
      },
      adminStrict: async (_: unknown, __: unknown, ctx: { auth: AuthState }) => {
        await ctx.auth.requireScopes("admin");
        return "yes";
      },
    },
  },
};

describe.each(HOSTS)("Apollo Server 5 (%s): resolver AuthErrors and the context", (host) => {
  it("maps an AuthError thrown by a resolver to its code (200, data kept), verifying once", async () => {
    const auth = authFor(issuer);
    await withApollo(startApollo(host, auth, {}, selfChecking), async ({ url }) => {
      const a = await post(
        url,
        { query: "{ whoami admin }" },
        { token: await issuer.sign({ sub: "auth0|bob" }) },
      );
      expect(a.status).toBe(200);
      expect(a.body.data).toEqual({ whoami: "auth0|bob", admin: null });
      expect(a.body.errors).toEqual([
        {
          message: "missing required scopes: admin",
          path: ["admin"],
          locations: [{ line: 1, column: 10 }],
          extensions: {
            code: "FORBIDDEN",
            error: "insufficient_scope",
            error_description: "missing required scopes: admin",
          },
        },
      ]);
      expect(auth.stats.verifications).toBe(1);
    });
  });

  it("answers a resolver AuthError that leaves no data with its status and challenge", async () => {
    await withApollo(startApollo(host, authFor(issuer), {}, selfChecking), async ({ url }) => {
      const forbidden = await post(
        url,
        { query: "{ adminStrict }" },
        { token: await issuer.sign({ scope: "openid" }) },
      );
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get("www-authenticate")).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: admin", scope="admin"',
      );
      expect(forbidden.body.data).toBeNull();
      expect(codes(forbidden)).toEqual(["FORBIDDEN"]);
      const anonymous = await post(url, { query: "{ adminStrict }" });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="api"');
      expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"]);
      for (const e of anonymous.body.errors ?? []) expect(e.extensions).not.toHaveProperty("http");
    });
  });

  it("uses an auth the context function made (auth.createAuthContext({ req, res }))", async () => {
    const auth = authFor(issuer);
    let made = 0;
    const context = async (input: { req: unknown; res: unknown }) => {
      made++;
      return auth.createAuthContext(input as never);
    };
    await withApollo(startApollo(host, auth, {}, { context }), async ({ url }) => {
      const none = await post(url, { query: "{ me { id } }" });
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe('Bearer realm="api"');
      const ok = await post(url, { query: "{ me { id } }" }, { token: await issuer.sign() });
      expect(ok.status).toBe(200);
      expect(ok.body.data).toEqual({ me: { id: "u1" } });
      expect(made).toBe(2);
      expect(auth.stats.verifications).toBe(1);
    });
  });

  it("fails closed, and says so once, when the context's auth is something else", async () => {
    const warnings: string[] = [];
    const logger = { ...quiet, warn: (m: string) => void warnings.push(m) };
    const context = async () => ({ auth: "not a state" });
    await withApollo(
      startApollo(host, authFor(issuer), {}, { context, logger }),
      async ({ url }) => {
        const token = await issuer.sign();
        for (let i = 0; i < 2; i++) {
          const a = await post(url, { query: "{ me { id } }" }, { token });
          expect(a.status).toBe(401);
          expect(calls).toEqual([]);
        }
        expect(warnings).toEqual([expect.stringMatching(/context\.auth is not an AuthState/)]);
      },
    );
  });

  it("verifies once for a batch of protected operations", async () => {
    const auth = authFor(issuer);
    await withApollo(
      startApollo(host, auth, {}, { allowBatchedHttpRequests: true }),
      async ({ url }) => {
        const token = await issuer.sign({ scope: "read:messages" });
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify([{ query: "{ me { id } }" }, { query: "{ messages { id } }" }]),
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual([
          { data: { me: { id: "u1" } } },
          { data: { messages: [{ id: "m1" }, { id: "m2" }] } },
        ]);
        expect(auth.stats.verifications).toBe(1);
      },
    );
  });
});

describe.each(HOSTS)("Apollo Server 5 (%s): DPoP", (host) => {
  const dpopAuth = () => authFor(issuer, { dpop: { mode: "allowed" } });
  const call = async (running: Running) => {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({}, { dpopJkt: key.thumbprint });
    const proof = await issuer.dpopProof({
      key,
      method: "POST",
      url: running.url,
      accessToken: token,
    });
    return post(
      running.url,
      { query: "{ me { id } }" },
      { authorization: `DPoP ${token}`, headers: { dpop: proof } },
    );
  };

  it("accepts a DPoP proof when the context is built from the request (req, res)", async () => {
    const auth = dpopAuth();
    const context = async (input: { req: unknown; res: unknown }) =>
      auth.createAuthContext(input as never);
    await withApollo(startApollo(host, auth, {}, { context, route: true }), async (running) => {
      const a = await call(running);
      expect(a.status).toBe(200);
      expect(a.body.data).toEqual({ me: { id: "u1" } });
    });
  });

  it("fails closed (400 invalid_dpop_proof) when the plugin builds the context: Apollo gives it no URL", async () => {
    await withApollo(startApollo(host, dpopAuth()), async (running) => {
      const a = await call(running);
      expect(a.status).toBe(400);
      expect(a.headers.get("www-authenticate")).toMatch(/DPoP error="invalid_dpop_proof"/);
      expect("data" in a.body).toBe(false);
      expect(calls).toEqual([]);
    });
  });
});

describe("Apollo Server 5: start-up and misuse", () => {
  it("refuses to start when the schema's @auth cannot be enforced", async () => {
    const server = new ApolloServer<BaseContext>({
      typeDefs: [authDirectiveTypeDefs, "type Query { a: Int @auth(anyOf: []) }"],
      resolvers: { Query: { a: () => 1 } },
      plugins: [apolloAuthPlugin(authFor(issuer))],
      logger: quiet,
    });
    await expect(server.start()).rejects.toThrow(/anyOf/);
  });

  it("answers a denied operation before any plugin's responseForOperation (a response cache)", async () => {
    let served = 0;
    const cache = {
      async requestDidStart() {
        return {
          async responseForOperation() {
            served++;
            return {
              http: { status: 200, headers: new HeaderMap() },
              body: { kind: "single" as const, singleResult: { data: { me: { id: "cached" } } } },
            };
          },
        };
      },
    };
    const server = new ApolloServer<BaseContext>({
      typeDefs: [authDirectiveTypeDefs, "type Query { me: User @auth } type User { id: ID }"],
      resolvers: { Query: { me: () => ({ id: "u1" }) } },
      plugins: [cache, apolloAuthPlugin(authFor(issuer))],
      logger: quiet,
    });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
    try {
      const denied = await post(url, { query: "{ me { id } }" });
      expect(denied.status).toBe(401);
      expect("data" in denied.body).toBe(false);
      expect(served).toBe(0);
      const ok = await post(url, { query: "{ me { id } }" }, { token: await issuer.sign() });
      expect(ok.body.data).toEqual({ me: { id: "cached" } });
      expect(served).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it("rejects a bad auth or mode when the plugin is made", () => {
    expect(() => apolloAuthPlugin({} as never)).toThrow(/createAuth/);
    expect(() => apolloAuthPlugin(authFor(issuer), { mode: "open" as never })).toThrow(/mode/);
  });

  it("denies executeOperation without an HTTP request (no token there)", async () => {
    const server = new ApolloServer<BaseContext>({
      typeDefs: [authDirectiveTypeDefs, "type Query { a: Int @auth b: Int }"],
      resolvers: { Query: { a: () => 1, b: () => 2 } },
      plugins: [apolloAuthPlugin(createAuth({ issuer: issuer.url, audience: issuer.audience }))],
      logger: quiet,
    });
    await server.start();
    try {
      const denied = await server.executeOperation({ query: "{ a }" });
      expect(denied.http.status).toBe(401);
      expect(denied.body.kind === "single" && denied.body.singleResult).toMatchObject({
        errors: [{ extensions: { code: "UNAUTHENTICATED" } }],
      });
      const open = await server.executeOperation({ query: "{ b }" });
      expect(open.body.kind === "single" && open.body.singleResult.data).toEqual({ b: 2 });
    } finally {
      await server.stop();
    }
  });
});
