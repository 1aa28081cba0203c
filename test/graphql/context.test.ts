import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSchema, createYoga } from "graphql-yoga";
import type { AuthState } from "scopegate";
import { authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFor, buildSchema, codes, post, yogaFor } from "./fixtures.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

const twenty = `{
  me { id }
  box { f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 a1: f1 a2: f2 a3: f3 a4: f4 a5: f5 a6: f6 a7: f7 a8: f8 a9: f9 a10: f10 }
}`;

describe("one verification per HTTP request", () => {
  it("verifies once for an operation with 20 protected fields", async () => {
    const auth = authFor(issuer);
    const yoga = yogaFor(auth);
    const token = await issuer.sign({ scope: "box", permissions: ["box:perm"] });
    const a = await post(yoga, { query: twenty }, { token });
    expect(a.status).toBe(200);
    expect(Object.keys((a.body.data?.box ?? {}) as object)).toHaveLength(20);
    expect(auth.stats.verifications).toBe(1);
    await post(yoga, { query: twenty }, { token });
    expect(auth.stats.verifications).toBe(2); // a second request verifies again (its own state)
  });

  it("verifies once for a batch of operations (batching: true)", async () => {
    const auth = authFor(issuer);
    const yoga = yogaFor(auth, {}, { batching: true });
    const token = await issuer.sign({ scope: "read:messages box" });
    const batch = [
      { query: "{ me { id } }" },
      { query: "{ messages { id } }" },
      { query: "{ box { f5 } }" },
      { query: "{ public }" },
    ];
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(batch),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data?: unknown; errors?: unknown }[];
    expect(body).toEqual([
      { data: { me: { id: "u1" } } },
      { data: { messages: [{ id: "m1" }, { id: "m2" }] } },
      { data: { box: { f5: 5 } } },
      { data: { public: "hello world" } },
    ]);
    expect(auth.stats.verifications).toBe(1);
  });

  it("reports a denied operation inside a batch as that operation's errors", async () => {
    const auth = authFor(issuer);
    const yoga = yogaFor(auth, {}, { batching: true });
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: "{ public }" }, { query: "{ me { id } }" }]),
    });
    const body = (await response.json()) as {
      data?: unknown;
      errors?: { extensions: { code: string } }[];
    }[];
    expect(body[0]).toEqual({ data: { public: "hello world" } });
    expect(body[1] && "data" in body[1]).toBe(false);
    expect(body[1]?.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
  });

  it("works with context: auth.createAuthContext, and still verifies once per batch", async () => {
    const auth = authFor(issuer);
    const yoga = createYoga({
      schema: buildSchema(),
      context: auth.createAuthContext,
      plugins: [useAuth(auth)],
      batching: true,
      logging: false,
    });
    const token = await issuer.sign({ scope: "read:messages" });
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify([{ query: "{ me { id } }" }, { query: "{ messages { id } }" }]),
    });
    expect(response.status).toBe(200);
    expect(auth.stats.verifications).toBe(1);
  });

  it("never verifies for public-only operations, skipped protected fields or validation errors", async () => {
    const auth = authFor(issuer);
    const yoga = yogaFor(auth);
    const token = await issuer.sign();
    await post(yoga, { query: "{ public article { id title } search { __typename } }" }, { token });
    await post(
      yoga,
      { query: "query($s: Boolean!) { public me @skip(if: $s) { id } }", variables: { s: true } },
      { token },
    );
    await post(yoga, { query: "mutation { like }" }, { token });
    expect(auth.stats.verifications).toBe(0);
  });

  it("shares the state with resolvers: ctx.auth in a resolver costs no second verification", async () => {
    const auth = authFor(issuer);
    const schema = createSchema<{ auth: AuthState }>({
      typeDefs: [authDirectiveTypeDefs, "type Query { whoami: String @auth admin: String }"],
      resolvers: {
        Query: {
          whoami: async (_, __, ctx) => ((await ctx.auth.claims()) as { sub: string }).sub,
          // An AuthError thrown in a resolver becomes a FORBIDDEN error, not a masked one.
          admin: async (_, __, ctx) => {
            await ctx.auth.requireScopes("admin");
            return "yes";
          },
        },
      },
    });
    const yoga = createYoga({ schema, plugins: [useAuth(auth)], logging: false });
    const a = await post(
      yoga,
      { query: "{ whoami admin }" },
      { token: await issuer.sign({ sub: "auth0|bob" }) },
    );
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({ whoami: "auth0|bob", admin: null });
    expect(a.body.errors?.[0]).toMatchObject({
      message: "missing required scopes: admin",
      path: ["admin"],
      extensions: { code: "FORBIDDEN", error: "insufficient_scope" },
    });
    expect(auth.stats.verifications).toBe(1);
  });
});

describe("over real HTTP (node:http on 127.0.0.1)", () => {
  it("answers 401 / 403 / 200 with headers, verifying once per request", async () => {
    const auth = authFor(issuer);
    const server = createServer(yogaFor(auth));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    try {
      const none = await post(url, { query: "{ me { id } }" });
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe('Bearer realm="api"');
      expect("data" in none.body).toBe(false);
      const forbidden = await post(
        url,
        { query: "{ messages { id } }" },
        { token: await issuer.sign() },
      );
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get("www-authenticate")).toMatch(
        /^Bearer realm="api", error="insufficient_scope", .*scope="read:messages"$/,
      );
      expect(codes(forbidden)).toEqual(["FORBIDDEN"]);
      const ok = await post(
        url,
        { query: twenty },
        { token: await issuer.sign({ scope: "box", permissions: ["box:perm"] }) },
      );
      expect(ok.status).toBe(200);
      expect(auth.stats.verifications).toBe(2); // the 401 had no token to verify
    } finally {
      server.close();
      server.closeAllConnections();
      await once(server, "close");
    }
  });

  it("uses the default DPoP challenge when DPoP is allowed", async () => {
    const auth = authFor(issuer, { dpop: undefined });
    const a = await post(yogaFor(auth), { query: "{ me { id } }" });
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toMatch(/^Bearer realm="api"/);
  });
});
