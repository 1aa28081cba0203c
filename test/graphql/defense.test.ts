import { graphql, parse, subscribe } from "graphql";
import { createSchema } from "graphql-yoga";
import {
  authDirective,
  authDirectiveTypeDefs,
  isAuthError,
  toGraphQLError,
} from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authFor, buildSchema, calls } from "./fixtures.js";

let issuer: TestIssuer;
let auth: ReturnType<typeof authFor>;
const schema = buildSchema();
beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = authFor(issuer);
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  calls.length = 0;
});

const contextFor = (token?: string) =>
  auth.createAuthContext(
    new Request(
      "http://localhost/graphql",
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    ),
  );

describe("the transformed schema without the plugin (graphql() directly)", () => {
  it("denies a protected field when the context has no auth at all", async () => {
    for (const contextValue of [undefined, {}, { auth: { require: "nope" } }]) {
      const result = await graphql({ schema, source: "{ public me { id } }", contextValue });
      expect(result.data).toEqual({ public: "hello world", me: null });
      expect(result.errors?.[0]?.extensions).toMatchObject({
        code: "UNAUTHENTICATED",
        error: "unauthorized",
      });
    }
    expect(calls).toEqual(["Query.public", "Query.public", "Query.public"]);
  });

  it("denies without a token, with the wrong scopes, and on the return type and parent type", async () => {
    const none = await graphql({ schema, source: "{ me { id } }", contextValue: contextFor() });
    expect(none.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const ctx = contextFor(await issuer.sign({ scope: "openid" }));
    const result = await graphql({
      schema,
      source: "{ me { id } messages { id } profile { name } car { model } }",
      contextValue: ctx,
    });
    expect(result.data).toBeNull(); // messages is non-null
    const r2 = await graphql({
      schema,
      source: "{ me { id } profile { name } car { model } box { f1 f5 } }",
      contextValue: ctx,
    });
    expect(r2.data).toEqual({
      me: { id: "u1" },
      profile: null,
      car: null,
      box: { f1: 1, f5: null },
    });
    expect(r2.errors?.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([
      ["profile", "FORBIDDEN"],
      ["car", "FORBIDDEN"],
      ["box.f5", "FORBIDDEN"],
    ]);
    expect(calls).not.toContain("Query.profile");
    expect(calls).not.toContain("Query.car");
  });

  it("denies the fields of a protected concrete type reached through an interface", async () => {
    const ctx = contextFor(await issuer.sign({ scope: "openid" }));
    const result = await graphql({
      schema,
      source: '{ node(id: "s1") { __typename ... on Secret { code } } }',
      contextValue: ctx,
    });
    expect(result.data).toEqual({ node: { __typename: "Secret", code: null } });
    expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("allows what the token holds", async () => {
    const ctx = contextFor(
      await issuer.sign({ scope: "read:messages read:profile", permissions: ["read:users"] }),
    );
    const result = await graphql({
      schema,
      source: "{ messages { id } profile { name } users { id } }",
      contextValue: ctx,
    });
    expect(result).toEqual({
      data: {
        messages: [{ id: "m1" }, { id: "m2" }],
        profile: { name: "Alice" },
        users: [{ id: "u1" }],
      },
    });
  });

  it("denies a protected subscription at subscribe without running its source", async () => {
    const result = await subscribe({
      schema,
      document: parse("subscription { ticks }"),
      contextValue: contextFor(),
    });
    expect(Symbol.asyncIterator in result).toBe(false);
    if (Symbol.asyncIterator in result) return;
    expect(result.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
  });

  it("wraps a transformed schema once, however often the transform runs", async () => {
    expect(authDirective(schema)).toBe(schema);
    expect(authDirective(authDirective(schema))).toBe(schema);
    const ctx = contextFor(await issuer.sign());
    const before = auth.stats.verifications;
    await graphql({ schema, source: "{ me { id } box { f1 f2 f3 } }", contextValue: ctx });
    expect(auth.stats.verifications - before).toBe(1);
  });
});

describe("toGraphQLError / isAuthError", () => {
  it("turns an AuthError into a GraphQLError with the documented extensions", async () => {
    const ctx = contextFor();
    const error = await ctx.auth.require().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAuthError(error)).toBe(true);
    expect(isAuthError(new Error("x"))).toBe(false);
    if (!isAuthError(error)) return;
    const gql = toGraphQLError(error, { http: true, path: ["me"] });
    expect(gql.message).toBe("authentication required");
    expect(gql.path).toEqual(["me"]);
    expect(gql.extensions).toEqual({
      code: "UNAUTHENTICATED",
      error: "unauthorized",
      error_description: "authentication required",
      http: { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="api"' } },
    });
  });

  it("is usable in a resolver of an untransformed schema", async () => {
    const plain = createSchema({
      typeDefs: [authDirectiveTypeDefs, "type Query { secret: String }"],
      resolvers: {
        Query: {
          secret: async (_: unknown, __: unknown, ctx: ReturnType<typeof contextFor>) => {
            try {
              await ctx.auth.requireScopes("read:secret");
              return "s3cr3t";
            } catch (e) {
              throw isAuthError(e) ? toGraphQLError(e) : e;
            }
          },
        },
      },
    });
    const result = await graphql({
      schema: plain,
      source: "{ secret }",
      contextValue: contextFor(await issuer.sign()),
    });
    expect(result.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      error: "insufficient_scope",
      error_description: "missing required scopes: read:secret",
    });
  });
});
