import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authFor, calls, codes, paths, post, yogaFor } from "./fixtures.js";

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

describe("reject mode (default): statuses and bodies", () => {
  it("answers a public operation with 200 and never verifies", async () => {
    const auth = authFor(issuer);
    const yoga = yogaFor(auth);
    const a = await post(yoga, { query: '{ public hello(name: "x") __typename }' });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      data: { public: "hello world", hello: "hello x", __typename: "Query" },
    });
    // Even with a token (and even a malformed one): public fields never look at it.
    const b = await post(yoga, { query: "{ public }" }, { token: await issuer.sign() });
    const c = await post(yoga, { query: "{ public }" }, { authorization: "Basic abc" });
    expect([b.status, c.status]).toEqual([200, 200]);
    expect(auth.stats.verifications).toBe(0);
  });

  it("answers 401 without a token: no data key, one error per denied path, RFC 6750 challenge", async () => {
    const yoga = yogaFor(authFor(issuer));
    const a = await post(yoga, { query: "{ public me { id } messages { id } }" });
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(a.headers.get("content-type")).toMatch(/^application\/graphql-response\+json/);
    expect("data" in a.body).toBe(false);
    expect(paths(a)).toEqual(["me", "messages"]);
    expect(codes(a)).toEqual(["UNAUTHENTICATED", "UNAUTHENTICATED"]);
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
    const yoga = yogaFor(authFor(issuer));
    const a = await post(
      yoga,
      { query: "{ me { id } }" },
      { token: await issuer.sign({}, { expiresIn: -120 }) },
    );
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
    );
    expect(a.body.errors?.[0]?.extensions).toMatchObject({
      code: "UNAUTHENTICATED",
      error: "invalid_token",
    });
    expect("data" in a.body).toBe(false);
  });

  it("answers 401 for a token of another audience, also when sent as application/json", async () => {
    const yoga = yogaFor(authFor(issuer));
    const a = await post(
      yoga,
      { query: "{ me { id } }" },
      {
        token: await issuer.sign({ aud: "https://other.example" }),
        headers: { accept: "application/json" },
      },
    );
    expect(a.status).toBe(401);
    expect(a.body.errors?.[0]?.extensions?.error).toBe("invalid_token");
  });

  it("answers 403 with scope= naming what the first denied field needs", async () => {
    const yoga = yogaFor(authFor(issuer));
    const token = await issuer.sign({ scope: "openid" });
    const a = await post(yoga, { query: "{ me { id } messages { id } users { id } }" }, { token });
    expect(a.status).toBe(403);
    expect(a.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: read:messages", scope="read:messages"',
    );
    expect("data" in a.body).toBe(false);
    expect(paths(a)).toEqual(["messages", "users"]);
    expect(a.body.errors?.map((e) => e.extensions)).toEqual([
      {
        code: "FORBIDDEN",
        error: "insufficient_scope",
        error_description: "missing required scopes: read:messages",
      },
      {
        code: "FORBIDDEN",
        error: "insufficient_scope",
        error_description: "missing required permissions: read:users",
      },
    ]);
    expect(calls).toEqual([]);
  });

  it("answers 200 when the token holds what every field needs", async () => {
    const yoga = yogaFor(authFor(issuer));
    const token = await issuer.sign({ scope: "read:messages", permissions: ["read:users"] });
    const a = await post(
      yoga,
      { query: "{ me { id } messages { id } users { email } }" },
      { token },
    );
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      data: {
        me: { id: "u1" },
        messages: [{ id: "m1" }, { id: "m2" }],
        users: [{ email: "alice@example.com" }],
      },
    });
  });

  it("answers 400 BAD_REQUEST for a malformed Authorization header", async () => {
    const yoga = yogaFor(authFor(issuer));
    for (const authorization of ["Bearer", "Basic dXNlcjpwYXNz", "Bearer a b"]) {
      const a = await post(yoga, { query: "{ me { id } messages { id } }" }, { authorization });
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

  it("answers 503 SERVICE_UNAVAILABLE with Retry-After when the keys cannot be fetched", async () => {
    const down = await createTestIssuer();
    try {
      const token = await down.sign();
      down.fail("down");
      const yoga = yogaFor(authFor(down));
      const a = await post(yoga, { query: "{ me { id } }" }, { token });
      expect(a.status).toBe(503);
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(a.headers.get("www-authenticate")).toBeNull();
      expect("data" in a.body).toBe(false);
      expect(a.body.errors?.[0]?.extensions).toMatchObject({
        code: "SERVICE_UNAVAILABLE",
        error: "temporarily_unavailable",
      });
      expect(calls).toEqual([]);
    } finally {
      await down.close();
    }
  });

  it("runs no resolver of a mutation whose first field is allowed and second denied", async () => {
    const yoga = yogaFor(authFor(issuer));
    const token = await issuer.sign({ scope: "read:messages" });
    const before = calls.length;
    const a = await post(yoga, { query: "mutation { like deleteAll }" }, { token });
    expect(a.status).toBe(403);
    expect(paths(a)).toEqual(["deleteAll"]);
    expect(calls.length - before).toBe(0);
    const ok = await post(
      yoga,
      { query: "mutation { like deleteAll }" },
      { token: await issuer.sign({ scope: "admin" }) },
    );
    expect(ok.status).toBe(200);
    expect(calls).toEqual(["Mutation.like", "Mutation.deleteAll"]);
  });

  it("lists each alias of a denied field", async () => {
    const yoga = yogaFor(authFor(issuer));
    const a = await post(
      yoga,
      { query: "{ a: messages { id } b: messages { text } ok: public }" },
      { token: await issuer.sign() },
    );
    expect(a.status).toBe(403);
    expect(paths(a)).toEqual(["a", "b"]);
  });

  it("reports only the topmost denied field of a subtree", async () => {
    const yoga = yogaFor(authFor(issuer));
    const a = await post(yoga, { query: "{ box { f1 f5 } }" });
    expect(a.status).toBe(401);
    expect(paths(a)).toEqual(["box.f1", "box.f5"]);
    const b = await post(yoga, { query: "{ me { id } profile { name } }" });
    expect(paths(b)).toEqual(["me", "profile"]);
  });

  it("keeps introspection working without a token", async () => {
    const yoga = yogaFor(authFor(issuer));
    const a = await post(yoga, {
      query: '{ __schema { queryType { name } } __type(name: "Secret") { fields { name } } }',
    });
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({
      __schema: { queryType: { name: "Query" } },
      __type: { fields: [{ name: "id" }, { name: "code" }] },
    });
  });

  it("keeps yoga's own errors: a validation error is still 400 without verifying", async () => {
    const auth = authFor(issuer);
    const yoga = yogaFor(auth);
    const a = await post(yoga, { query: "{ me { nope } }" }, { token: await issuer.sign() });
    expect(a.status).toBe(400);
    expect(auth.stats.verifications).toBe(0);
  });
});
